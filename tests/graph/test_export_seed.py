# ruff: noqa: E501
"""Acceptance tests of the export parser on the real export ``../shared/seeds/senacs-haute-garonne.txt``.

The expected values are written out by hand from the file (each one checked against it with grep): 25
fiches, UTF-8, no listing table (so no year), one page, the last line without a final newline. Text is
compared character for character: curly apostrophes and quotes, « », … and € are kept as the centres
typed them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from maillage.graph.export import Problem, read_export
from maillage.graph.record import JSON_KEYS, LIST_FIELDS, TEXT_FIELDS, Fiche

SEED = Path(__file__).resolve().parents[3] / "shared/seeds/senacs-haute-garonne.txt"
SEED_STR = str(SEED)

if not SEED.is_file():
    pytest.skip(
        f"the reference export {SEED} is absent (../shared is not beside the repository)",
        allow_module_level=True,
    )

SEED_LINES = SEED.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def items() -> list[Fiche | Problem]:
    return list(read_export(SEED_STR))


@pytest.fixture(scope="module")
def fiches(items: list[Fiche | Problem]) -> list[Fiche]:
    return [item for item in items if isinstance(item, Fiche)]


@pytest.fixture(scope="module")
def by_line(fiches: list[Fiche]) -> dict[int, Fiche]:
    return {fiche.source.line: fiche for fiche in fiches}


def _problems(items: list[Fiche | Problem]) -> list[Problem]:
    return [item for item in items if isinstance(item, Problem)]


# (line of the ``Actions`` marker, title) of the 25 fiches, in file order.
TITLES = [
    (2, "GRATUITERIE"),
    (51, "agir sur nos déchets : composteur coopératif de quartier :"),
    (102, 'One Women show "Parentalité"'),
    (155, "Mon ado, mon ami.e, mon corps, sa santé, sa sexualité"),
    (205, "Ateliers de conversation en Français"),
    (252, "Jardin collectif"),
    (304, "Citoyenneté et valeurs de la République"),
    (363, "Le Vendredi c'est Permis !"),
    (414, '"Ta spécialité presque parfait"'),
    (468, "Coin Accueil Familles : Bibliothèque Parentalité"),
    (515, "RENFORCER L'ESTIME DE SOI"),
    (577, "Baraque à fripes"),
    (653, "Café des Carnassiers - Ateliers techniques de pêche"),
    (701, "Graines de solidarités"),
    (759, "ATELIER DECOUVERTE DU THEÂTRE"),
    (808, "Tisser du lien : Activités intergénérationnelles autour du textile et de sorties culturelles"),
    (858, "Les Olympiades de PATABOR"),
    (903, "Stage de danse latines parents-enfants"),
    (948, "Loto solidaire"),
    (994, "Journées santé"),
    (1052, "Marmothèque"),
    (1102, "Espace - jeu / rencontre pour les parents accompagnés de leurs enfants âgés de 0 à 3 ans"),
    (1143, "Bulle du dimanche"),
    (1197, "P'Aus Café"),
    (1250, '"Fête en Plein Air : Jeux, Repas et Loto"'),
]


# ---------------------------------------------------------------------------------------------------------
# Whole records. Chosen across the file:
#   2     first fiche; no optional label; « » and ’ in the text
#   102   structure name with " - " (Salvetat Saint Gilles - Fontenilles); "Terminée" with a reason;
#         title with straight quotes; “ ” in the text; bullet lines in the résumé
#   205   empty partner list ("Partenaires d'action:" followed directly by the second Territoire)
#   252   no "Fichier(s) associé(s)" label; empty Dimension; bullet lines in two text fields
#   414   title in quotes; empty Dimension; no partner; bullets in the description
#   468   text lines starting "-" without a space (perspectives); empty Dimension; empty Limites
#   515   the stray "page" line (kept: it is a line of the field's text); lines wrapped mid-sentence
#   577   structure name with quotes; no Fichier label; two initiative values + Précision ( si autre )
#   653   title with " - "; no Fichier label; initiative "Autre" + Précision
#   948   structure name with " - " (POLYGONE - ASSQOT); empty Ressources, Limites, Perspectives
#   1250  last fiche: empty "Raisons ..." label followed directly by "- Dimension"; last line of the file
#         (no final newline) is its Perspectives
# ---------------------------------------------------------------------------------------------------------
EXPECTED = [
    # line 2
    {
        "titre": "GRATUITERIE",
        "structure": "Maison des Habitants de Lèguevin",
        "departement": "Haute-Garonne",
        "statut": "En cours",
        "raison_fin": None,
        "dimensions": ["Citoyenneté"],
        "mots_cles": ["Solidarité", "Démocratie & citoyenneté", "développement durable"],
        "initiative": ["Le centre social"],
        "precision_initiative": None,
        "territoire": "Plusieurs communes",
        "public": ["Tous publics"],
        "partenaires": ["Autre"],
        "resume": (
            "Le Grand Ouest Toulousain Agglomération, acteur de la transition écologique et soucieuse de l’égalité des chances sur le territoire, a déployé à travers la Maison des Habitants de Léguevin un projet d’économie solidaire, pour la deuxième année consécutive : une « Gratuiterie de Noël ».\n"
            "Le samedi 23 novembre, près de 500 personnes se sont rendus à la « Gratuiterie de Noël », trouvant bonne ambiance et bonheur, chaleur et partage, tout au long de la journée. Satisfaits, comblés, les publics variés n’ont pas manqué d’éloges à l’encontre de cet évènement et de son organisation orchestrée par le professionnalisme de l’équipe de la Maison des Habitants de Léguevin.\n"
            "L’engagement bénévole a lui aussi été mis à l’honneur, où 23 bénévoles (171 heures de bénévolat) ont contribué au bon déroulement de cette journée.\n"
            "Pour les dons non distribués, la Maison des Habitants a pu les distribuer à d’autres structures sociales, poursuivant la logique de ré-emploi et de vie des objets."
        ),
        "description_experience": (
            "Répondre à une initiative citoyenne, dynamiser les échanges locaux par le partage et l’échange, valoriser le ré emploi en donnant une seconde chance aux objets ou encore favoriser le « aller vers », tant d’objectifs venant contribuer à une compétence générale de collectivité, celle de l’animation de la vie sociale.\n"
            "Répondant aux 5 axes du projet social de la Maison des Habitants de Léguevin, la « Gratuiterie de Noël » a été un succès."
        ),
        "description_generale": "En amont de la journée, l’équipe de la Maison des Habitants, accompagnée de bénévoles, ont pu travailler en partenariat avec une association locale de parents d’élèves lors d’un de leurs projets ; ayant permis de récolter des dons, de communiquer sur la gratuiterie à venir et de présenter les actions de la Maison des Habitants.",
        "ressources_financieres": "frais de personnel",
        "personnes_mobilisees": "4 professionnels , 23 bénévoles",
        "resultat_territoire": None,
        "resultat_centre_social": "nouvelles adhésions, engagement bénévoles",
        "resultat_habitants": None,
        "limites": "stockage en amont de l'action",
        "perspectives": "renouvellement avec des ateliers de sensibilisation la semaine en amont de la gratuiterie",
        "annee": None,
        "source": {"file": SEED_STR, "line": 2},
    },
    # line 102
    {
        "titre": "One Women show \"Parentalité\"",
        "structure": "Maison des Habitants de La Salvetat Saint Gilles - Fontenilles",
        "departement": "Haute-Garonne",
        "statut": "Terminée",
        "raison_fin": "Action ponctuelle",
        "dimensions": ["Services"],
        "mots_cles": ["Parentalité"],
        "initiative": ["Un ou plusieurs partenaire(s)"],
        "precision_initiative": None,
        "territoire": "Une commune",
        "public": ["familles"],
        "partenaires": ["Commune"],
        "resume": (
            "Action qui découle d'une commission parentalité menée avec les acteurs locaux du territoire. Un diagnostic auprès des familles a permis de dégager deux axes de travail :\n"
            "- concilier vie familiale / vie professionnelle / vie personnelle : la charge mentale d'un parent en 2025\n"
            "- la gestion des émotions et des conflits\n"
            "Un panel d'actions phare a été mené durant un mois, une action se démarque: une soirée de parents sous la forme d'un spectacle ludique et pédagogique. “Faites des enfants qu'ils disaient” de Corinne PATES, un spectacle / conférence très adapté. C'est un format qui permet d’accueillir un large public, réussi à faire passer des messages déculpabilisant avec humour, tout en donnant des clés et astuces très concrètes pour accompagner au mieux les enfants / ados."
        ),
        "description_experience": "Répondre aux préoccupations des parents (cf axes nommés) en tenant compte des difficultés exprimés et freins potentiels à participer à des actions parentalité.",
        "description_generale": (
            "Démarche réalisée dans le cadre d'une commission parentalité ( 3 rencontres) avec les partenaires locaux : chargé de coopération CTG, service enfance, CLAS / Ludothèque / REAAP, service jeunesse, crèches, RPE, association de parents d'élèves.\n"
            "Le collectif a souhaité faciliter l'accès à tous et proposé un mode de garde gratuit pour les parents qui n'auraient pas de solution de garde. Ce service aura permis de toucher un plus large public (familles mono parentales par exemple, ou couples souhaitant tous les deux avoir le même niveau d'information et réflexion…)"
        ),
        "ressources_financieres": "1500€",
        "personnes_mobilisees": "150",
        "resultat_territoire": (
            "Développer l'animation de la vie sociale\n"
            "Proposer des actions parentalité innovantes"
        ),
        "resultat_centre_social": (
            "Asseoir le rôle du centre social comme acteur ressource parentalité et animateur de ce réseau\n"
            "Être repéré par de nouvelles familles"
        ),
        "resultat_habitants": (
            "Proposer une action qui répond aux besoins et spécifités des familles\n"
            "Proposer une action accessible à tous (gratuite, de proximité, avec un mode de garde possible)"
        ),
        "limites": None,
        "perspectives": "Péréniser ce type de format “spectacle” suivi d'un temps d'échanges // avec un mode de garde pour les plus isolés",
        "annee": None,
        "source": {"file": SEED_STR, "line": 102},
    },
    # line 205
    {
        "titre": "Ateliers de conversation en Français",
        "structure": "CENTRE SOCIAL LES IZARDS-BORDEROUGE",
        "departement": "Haute-Garonne",
        "statut": "En cours",
        "raison_fin": None,
        "dimensions": ["Citoyenneté"],
        "mots_cles": ["alphabétisation & apprentissage du français"],
        "initiative": ["Le centre social"],
        "precision_initiative": None,
        "territoire": "Plusieurs quartiers",
        "public": ["Tous publics"],
        "partenaires": [],
        "resume": (
            "Dans le cadre de ses actions en faveur du lien social et de l'inclusion, le centre social Izards-Borderouge organise des ateliers de conversation en français, ouverts à toute personne rencontrant des difficultés à comprendre ou à s’exprimer en français. L’objectif principal de ces ateliers est de favoriser la rencontre entre les adhérents, d’encourager les échanges et de permettre à chacun de gagner en aisance dans la vie quotidienne.\n"
            "Ces ateliers sont non seulement un espace d’apprentissage linguistique, mais aussi un lieu de rencontre et de création de lien social, favorisant l’inclusion, la confiance et le vivre ensemble."
        ),
        "description_experience": "Cette action a été mise en place suite à l'absence de cours de français pour les personnes non prises en charges par les dispositifs d'insertion professionnelle et/ou FLE",
        "description_generale": (
            "L’action a vu le jour il y a deux ans, à la suite d’un constat fait par l’agent d’accueil : il ne disposait d’aucune orientation à proposer aux habitants sollicitant des cours de français. Parallèlement, le centre social recevait régulièrement des propositions de bénévolat pour animer ce type d’ateliers. Face à cette double demande, la référente participation a réfléchi à la mise en place d’ateliers de français visant à accompagner les personnes allophones dans l’acquisition du vocabulaire essentiel à la vie quotidienne.\n"
            "Ces ateliers, organisés tous les mardis après-midi, sont répartis en deux niveaux : débutant et avancé. À partir de supports concrets et ludiques, les participants échangent autour de thématiques liées au quotidien, favorisant un apprentissage de la langue dans un cadre chaleureux et bienveillant.\n"
            "En 2024, ce sont 52 séances qui seront proposées à 45 participants, d’une durée de 1h à 1h30 selon les niveaux. Elles sont co-animées par un groupe de 8 bénévoles adhérents du centre social, engagés dans une démarche participative. Depuis 2023, ces bénévoles ont consacré un total de 394 heures à l’animation des ateliers, témoignant d’un fort engagement citoyen."
        ),
        "ressources_financieres": "du temps de la référente dédié à cette action et à la coordination des bénévoles",
        "personnes_mobilisees": "9 personnes (8 bénévoles et 1 référente)",
        "resultat_territoire": "Une orientation possible pour les partenaires du territoire",
        "resultat_centre_social": "Cette action a insufflé une véritable dynamique autour du bénévolat au sein du centre social. Pour l’accompagner, il a été nécessaire de structurer l’engagement bénévole en dédiant du temps à la coordination, à la formation, ainsi qu’à la création d’outils adaptés, tels qu’une convention d’engagement. Depuis, le groupe de bénévoles ne cesse de s’agrandir et de nouvelles initiatives, comme des cours d’espagnol ou un café lecture, ont vu le jour au sein du centre social..",
        "resultat_habitants": "Une proposition ouverte à toutes et à tous : il n’est pas nécessaire d’être adhérent·e au centre social pour participer à ces ateliers. Toutefois, la majorité des participants choisissent ensuite de prendre leur adhésion afin de pouvoir s’inscrire à d’autres activités et continuer à pratiquer le français dans divers contextes, favorisant ainsi leur progression.",
        "limites": "La liste d'attente des habitants et habitantes qui ne cesse d'augmenter",
        "perspectives": "Poursuite de l'action",
        "annee": None,
        "source": {"file": SEED_STR, "line": 205},
    },
    # line 252
    {
        "titre": "Jardin collectif",
        "structure": "LABO BINETTE",
        "departement": "Haute-Garonne",
        "statut": "En cours",
        "raison_fin": None,
        "dimensions": [],
        "mots_cles": ["Solidarité", "développement durable", "Mixité sociale"],
        "initiative": ["Un groupe d'habitants"],
        "precision_initiative": None,
        "territoire": "Une commune",
        "public": ["Adultes"],
        "partenaires": ["Caf", "Commune"],
        "resume": "Le potager collectif est un jardin potager entretenu et récolté par un groupe de jardiniers : la team Ki-Bine. La communauté des jardiniers cultive depuis mai 2022 une parcelle de 250 m² de potager. Ils listent chaque mois les tâches à accomplir et se relaient ou jardinent collectivement selon les disponibilités de chacun. Un bon moyen d’apprendre à jardiner sans se sentir seul ! Les jardiniers réévaluent chaque année leur fonctionnement et établissent les règles de leur organisation et les tarifs des adhésions en fonction des dépenses envisagées.",
        "description_experience": (
            "- Favoriser le lien social au travers de l'activité jardinage\n"
            "- Transmettre et partager des savoirs faire\n"
            "- Apprendre à cultiver ses légumes et les transformer"
        ),
        "description_generale": (
            "Mise en place de l'action en 2022 :\n"
            "- Réalisation d'une enquête auprès des habitants\n"
            "- Réunion publique d'informations sur le projet\n"
            "- 3 réunions de concertations / temps de travail pour imaginer le fonctionnement / l'espaces et les outils de communication avec les usagers intéressés\n"
            "Poursuite de l'action chaque année :\n"
            "- Une réunion par mois avec les jardiniers et l'animatrice jardin (accompagné d'un temps de formation sur une technique de jardinage)\n"
            "- Un bilan et questionnaire chaque année pour réévaluer le fonctionnement, les outils mis à disposition"
        ),
        "ressources_financieres": None,
        "personnes_mobilisees": (
            "Nombre de jardiniers variables selon les années : 12-15\n"
            "1 animatrice mobilisée pour le suivi\n"
            "2 volontaire en service civique en appuie sur certaines missions de temps en temps"
        ),
        "resultat_territoire": None,
        "resultat_centre_social": None,
        "resultat_habitants": "Les habitants apprécient venir jardinier collectivement et partager ou apprendre des astuces.",
        "limites": None,
        "perspectives": "Agrandissement de la zone de culture si le nombre de jardiniers devient plus important",
        "annee": None,
        "source": {"file": SEED_STR, "line": 252},
    },
    # line 414
    {
        "titre": "\"Ta spécialité presque parfait\"",
        "structure": "CENTRE SOCIAL DE COLOMIERS SAINT EXUPERY",
        "departement": "Haute-Garonne",
        "statut": "Terminée",
        "raison_fin": "Action avec pour récurrences 1 fois",
        "dimensions": [],
        "mots_cles": ["intergénérationnel", "Solidarité", "Culture"],
        "initiative": ["Le centre social"],
        "precision_initiative": None,
        "territoire": "Un quartier",
        "public": ["Tous publics"],
        "partenaires": [],
        "resume": "L'action \"Ta spécialité, presque parfaite\" s'inspire de la célèbre émission Un dîner presque parfait. L'idée est que chaque habitant apporte une spécialité culinaire, en lien avec sa nationalité, ses origines, ses plats préférés, etc. Chaque participant présente sa spécialité afin de favoriser un échange de recettes et un partage culturel.",
        "description_experience": (
            "Cette action a été mise en place pour favoriser le lien social, valoriser la diversité culturelle et encourager le vivre-ensemble. En partageant un plat qui a du sens pour chacun, les habitants créent un moment convivial et apprennent à mieux se connaître au travers de la cuisine, véritable vecteur d'identité et d’échange.\n"
            "L’objectif est de :\n"
            "- Renforcer la cohésion entre les habitants grâce à un moment de partage chaleureux.\n"
            "- Mettre en valeur les différentes cultures représentées au sein du quartier\n"
            "- Encourager la curiosité, la tolérance et l’ouverture d’esprit.\n"
            "- Créer un espace de dialogue et de transmission, notamment autour des recettes, des histoires familiales ou des traditions culinaires.\n"
            "Cette action vise à transformer un simple repas en un moment riche de découvertes et de lien humain."
        ),
        "description_generale": (
            "L’action \"Ta spécialité, presque parfaite\" a été lancée à l’initiative de l’équipe d’animation, au cours du mois de Janvier. Les habitants intéressés se sont inscrits en indiquant le nom du plat qu’ils souhaitaient partager.\n"
            "L’équipe d’animation s’est ensuite chargée de l’organisation du repas : préparation des étiquettes avec le nom des plats, mise en place d’un buffet convivial et gestion logistique de l’événement. Aucune réunion spécifique n’a été nécessaire, mais la coordination entre l’équipe et les participants a permis de créer un moment chaleureux et bien structuré."
        ),
        "ressources_financieres": "Aucun budget n'a était nécessaire",
        "personnes_mobilisees": "2 salariés",
        "resultat_territoire": "L’action a renforcé le lien social entre les habitants et valorisé la diversité culturelle du quartier. Elle a permis à des personnes qui ne se connaissaient pas de se rencontrer dans un cadre convivial. Cette dynamique a contribué à créer une atmosphère de partage et de vivre-ensemble.",
        "resultat_centre_social": "L’action a renforcé la proximité entre le centre social et les habitants, en montrant qu’il est un lieu ouvert, accueillant et à l’écoute des envies de chacun. Elle a aussi permis de mobiliser de nouveaux publics et de valoriser le rôle du centre comme acteur du lien social et de la vie de quartier.",
        "resultat_habitants": "Les habitants ont pu partager un moment convivial, découvrir de nouvelles cultures et se sentir valorisés à travers leurs spécialités. L’action a favorisé les échanges, brisé la glace entre inconnus et renforcé le sentiment d’appartenance au quartier.",
        "limites": "L’action repose sur la participation volontaire, ce qui peut limiter le nombre de plats proposés ou la diversité représentée. Certains habitants n’ont pas osé participer, par timidité ou manque de temps. La gestion du buffet demande aussi une bonne organisation logistique pour éviter le gaspillage ou les doublons.",
        "perspectives": "L’objectif est de renouveler l’action, éventuellement sous forme de rendez-vous régulier. Nous envisageons aussi d’y intégrer des ateliers cuisine ou des temps de témoignages autour des plats. À terme, cela pourrait aboutir à la création d’un livret de recettes partagées par les habitants.",
        "annee": None,
        "source": {"file": SEED_STR, "line": 414},
    },
    # line 468
    {
        "titre": "Coin Accueil Familles : Bibliothèque Parentalité",
        "structure": "MAISON DE QUARTIER DU CYPRIE",
        "departement": "Haute-Garonne",
        "statut": "En cours",
        "raison_fin": None,
        "dimensions": [],
        "mots_cles": ["Parentalité"],
        "initiative": ["Le centre social"],
        "precision_initiative": None,
        "territoire": "Une commune",
        "public": ["familles"],
        "partenaires": ["Caf"],
        "resume": "La bibliothèque parentalité se situe à l'accueil de la structure. Elle est composée : de livres pour s'informer, pour se rassurer, pour évoquer un sujet avec son enfant, répondre à ses propres interrogations, pour rechercher des idées d'activités à faire ensemble. Les livres sont consultables sur place ou peuvent être empruntés. Les livres sont un appui dans la continuité du soutien à la parentalité.",
        "description_experience": "Les interrogations au sujet de la famille n'ont jamais été aussi nombreuses. Les futurs parents et les parents ressentent le besoin d'information autour de la parentalité. Les livres sont des outils essentiels dans toutes les étapes du développement de leur enfant, dans les étapes du quotidien des parents.",
        "description_generale": "La bibliothèque parentalité a débuté en 2020. Chaque année l'équipe développe cette bibliothèque en collaboration avec les habitants et les professionnels. Il y a un partenariat avec la Médiathèque des livres de la médiathèque sont mis en valeur sur une étagère dédiée de la bibliothèque parentalité. Des activités ont été mises en place en lien avec cette bibliothèque parentalité.",
        "ressources_financieres": "200€ pour le renouvellement des livres.",
        "personnes_mobilisees": "3 professionnels et une association.",
        "resultat_territoire": "Mettre a disposition aux familles du territoire un outil de soutien à la parentalité autour du livres.",
        "resultat_centre_social": "Cette bibliothèque est un appui dans la continuité du soutien à la parentalité. Elle permet d'avoir un outil supplémentaire dans l'accompagnement des familles.",
        "resultat_habitants": (
            "Faciliter les relations parents-enfants.\n"
            "Conforter et rassurer les parents dans l'exercice de la fonction parentale\n"
            "Avoir un espace où évoquer leurs difficultés et se renseigner"
        ),
        "limites": None,
        "perspectives": (
            "-Poursuivre les activités autour de la bibliothèque parentalité\n"
            "-Poursuivre le prêt de livre en littérature jeunesse et adulte\n"
            "-Poursuivre le partenariat mis en place avec la médiathèque"
        ),
        "annee": None,
        "source": {"file": SEED_STR, "line": 468},
    },
    # line 515
    {
        "titre": "RENFORCER L'ESTIME DE SOI",
        "structure": "CENTRE SOCIAL GRAND SELVE ESPACE CHIOMENTO",
        "departement": "Haute-Garonne",
        "statut": "En cours",
        "raison_fin": None,
        "dimensions": ["Citoyenneté"],
        "mots_cles": ["Démocratie & citoyenneté"],
        "initiative": ["Le centre social"],
        "precision_initiative": None,
        "territoire": "Une commune",
        "public": ["Adultes"],
        "partenaires": ["CARSAT"],
        "resume": "L'atelier “renforcer l'estime de soi” est un moment privilégié, en petits groupes, pour s'apporter et recevoir de la valorisation, apprendre à mieux se connaitre, trouver du mieux-être, avec l'accompagnement d'une professionnelle qualifiée et expérimentée. Il se met en place sur une durée de 4 mois jalonnés de 8 séances",
        "description_experience": (
            "Le déficit d'estime de soi, la perte du sentiment d'utilité sociale, la perte du pouvoir d'oser ont très souvent été constatés auprès des adhérents du centre social. au delà des ateliers proposés qui concourent à valoriser et développer le pouvoir d'agir, il a paru pertinent de proposer une action renforcer sur cette thématique, avec l'intervention d'un professionnel.\n"
            "L'enjeux pour les participants est d'identifier ses forces et ressources, repérer ses besoins, s'apporter de la bienveillance pour retrouver de la confiance en soi."
        ),
        "description_generale": (
            "L'action débutera à l'automne 2025, pour 2 groupes de 8 personnes.\n"
            "chaque groupe se retrouvera toutes les 3 semaines afin de cheminer et d'assimiler les acquis entre 2 séances. La réalisation du projet sur 4 mois permet d'éviter l'effet “one shot” et d'ancrer de nouvelles postures.\n"
            "Le contenu des séances a été proposé par l’intervenante et validé par l’équipe du centre social.\n"
            "Les séances débuteront par un tour de table pour que chacun puisse, ou pas, exprimer son ressenti du\n"
            "moment et ses attentes.\n"
            "Sur la base des éléments de vécu amenés par les participants, l’intervenante abordera les thématiques du\n"
            "programme : partage de concepts, découverte et expérimentation d’outils.Chaque séance sera clôturée par un tour de table (participants et intervenante) afin de partager, ou pas, le\n"
            "vécu de la séance, de vérifier si l’atelier a répondu aux attentes, de s’accorder sur la thématique proposée\n"
            "lors de la séance suivante.\n"
            "En complément des séances proposées à chaque groupe, la possibilité de temps communs sera proposée\n"
            "aux 2 groupes : repas partagés, sorties ensemble dans le cadre des activités proposées par le centre\n"
            "social."
        ),
        "ressources_financieres": "le cout global du projet est de 11000 euros",
        "personnes_mobilisees": "un référent pour le centre social, une intervenante, 16 participants",
        "resultat_territoire": "L'enjeux pour le centre social est de développer l'implication dans la ville et le pouvoir d'agir des habitants-participants",
        "resultat_centre_social": "L'enjeux pour le centre social est de développer l'implication au sein du centre social et le pouvoir d'agir des habitants-participants",
        "resultat_habitants": (
            "- l'intérêt dans la différence : les apports, les points de vue, les questionnements peuvent être différents et\n"
            "complémentaires selon les âges et les parcours\n"
            "- l'intérêt de se reconnaître dans l'autre, de l'accepter et de la respecter : la personne aujourd'hui âgée a\n"
            "aussi été jeune femme, jeune mère, une mère dont les enfants quittent le nid, une femme, une conjointe.\n"
            "Ces rapports respectueux entre générations enrichissent chacun.\n"
            "page"
        ),
        "limites": "à déterminer lors du bilan",
        "perspectives": "à déterminer lors du bilan",
        "annee": None,
        "source": {"file": SEED_STR, "line": 515},
    },
    # line 577
    {
        "titre": "Baraque à fripes",
        "structure": "Centre Social \" Maison Monique Culié\"",
        "departement": "Haute-Garonne",
        "statut": "En cours",
        "raison_fin": None,
        "dimensions": ["Citoyenneté"],
        "mots_cles": ["intergénérationnel", "Parentalité", "Solidarité"],
        "initiative": ["Le centre social", "Un groupe d'habitants"],
        "precision_initiative": "Le projet a été proposé par une mère puis un groupe de 5 parents ont monté le projet avec la référente familles.",
        "territoire": "Plusieurs communes",
        "public": ["Tous publics"],
        "partenaires": ["Caf", "MSA"],
        "resume": (
            "Projet de parents pour une entraide entre citoyens face au coût de la vie, favoriser la circulation des vêtements plutôt que d'acheter neuf.\n"
            "Appels aux dons de vêtements (permanences de bénévoles pour la réception et le tri des vêtements); puis distribution gratuite lors de 3 week-ends dans l'année.\n"
            "120 à 180 familles par distribution. Environ 80% des familles n'avaient pas connaissance de l'existence d'un centre social à Revel et certaines familles ou personnes seules sont revenues lors d'autres évènements ou ateliers."
        ),
        "description_experience": (
            "Enjeu principal Repositionner un centre social identifié sur le territoire\n"
            "Axe 2 du contrat projet Être un espace d’initiatives citoyennes\n"
            "Objectifs généraux - Permettre l’émergence de partages de savoirs, de solutions d’entraide, d’une réflexion citoyenne.\n"
            "- Développer des espaces de rencontre favorables à la participation des habitants.\n"
            "Objectifs opérationnels - Accompagner des initiatives de parents de l’Espace Famille, avec des temps d’échange, support d’expression accessibles à chacun.es pour mener le projet.\n"
            "- Organiser des actions friperie gratuites, tout publics, à chaque trimestre à destination des familles du territoire.\n"
            "- Construire des actions « hors les murs » pour créer du lien avec des familles isolées.\n"
            "Constats Des familles habitant le quartier l’Orée de Vaure ont exprimé une problématique de transport, pour participer aux activités mises en place dans les locaux du Centre Social.\n"
            "En parallèle, une maman a exprimé l’envie de construire un projet sur la thématique de « consommer autrement » et de solidarité par le biais de friperie éphémère.\n"
            "Certaines participantes de l’Espace Famille ont exprimé l’envie de participer à l’organisation d’actions, de prendre pleinement part à la vie du Centre Social.\n"
            "Public ciblé Tous publics"
        ),
        "description_generale": (
            "Début du montage de projet : novembre 2023 avec les 5 parents et la référente familles.\n"
            "3 réunions d'élaboration collective ont permis de définir le projet, la communication et les 3 dates de distribution pour l'année 2024 (en 2025, il n'y aura que 2 dates : printemps/été et automne/hiver.\n"
            "L'organisation logistique a pris beaucoup de temps : autres réunions avec des groupes différents de bénévoles (séniors venant ponctuellement, parents plus investis), réalisation de plannings pour les collectes, le tri des vêtements par âge (au début il y avait aussi les jouets et du matériel de puériculture).\n"
            "Ce projet est intergénérationnel, les 15 à 22 bénévoles par évènement sont d'âges différents (de 27 à 83 ans) et les enfants sont souvent présents.\n"
            "L'action mobilise toute la structure, notamment par la recherche des moindres placards pour ranger le linge, le laver, l'étendre…ouvrir des week-ends et chambouler tout le planning du personnel pour récupérer les heures de travail ensuite.\n"
            "Les adhérents du centre social retiennent tous cette action et donnent facilement des vêtements en venant aux ateliers.\n"
            "Aussi, une petite quantité de vêtements est toujours à disposition pour se servir librement à l'accueil tous les jours.\n"
            "Cela fait attraction, éveille la curiosité de tous les visiteurs qui viennent aux permanences CAF et CPAM dans les locaux du CCAS.\n"
            "Certains habitants ne viennent que pour voir ce qu'il y a sur le portant, comme une boîte à lire où on se sert et on peut ramener un article un autre jour."
        ),
        "ressources_financieres": (
            "achats de portants : 450€\n"
            "nourriture pour les bénévoles : repas convivialité : 100€ environ par évènement"
        ),
        "personnes_mobilisees": "2 professionnelles et jusqu'à 22 bénévoles",
        "resultat_territoire": (
            "\"La baraque\" est de plus en plus connue par les habitants de Revel et des alentours.\n"
            "Les réseaux sociaux sont le vecteur de communication le plus suivi."
        ),
        "resultat_centre_social": (
            "Meilleure connaissance de notre existence et cohésion d'équipe.\n"
            "Entretien d'une dynamique sur la ville avec les écoles qui relaient notre action solidaire pour les familles noatamment."
        ),
        "resultat_habitants": (
            "Beaucoup de personnes sont enchantées et surprises qu'il y ait autant de dons.\n"
            "L'information circule."
        ),
        "limites": (
            "Nous avons réduit à 2 évènement par an car cela mobilise beaucoup la référente famille et ajoute des heures à nos journées déjà bien chargées.\n"
            "Les bénévoles demandent plus de distribution mais nous ne sommes pas suffisamment de personnel."
        ),
        "perspectives": (
            "La baraque à jouets arrive en novembre 2025.\n"
            "En partenariat avec l'association des parents d'élèves de l'école du même quartier que le centre social."
        ),
        "annee": None,
        "source": {"file": SEED_STR, "line": 577},
    },
    # line 653
    {
        "titre": "Café des Carnassiers - Ateliers techniques de pêche",
        "structure": "LE CAFE DES MINOTIERS",
        "departement": "Haute-Garonne",
        "statut": "En cours",
        "raison_fin": None,
        "dimensions": ["Citoyenneté"],
        "mots_cles": ["intergénérationnel", "Environnement", "Mixité sociale"],
        "initiative": ["Autre"],
        "precision_initiative": "Une adhérente de l'association",
        "territoire": "Plusieurs communes",
        "public": ["Tous publics"],
        "partenaires": ["Association locale", "Association nationale"],
        "resume": "Le café des Carnassier est un rdv mensuel avec des ateliers d'apprentissage de techniques de pêche",
        "description_experience": "Cette action répond à un besoin qui n'existait pas? un rdv mensuel qui fait sens entre les différents publics",
        "description_generale": "L'action a débuté en octobre 2025. Proposé et porté par une adhérente, des réunions de travail ont eu lieu entre les différents acteurs (Gouvernance, partenaires, intervenants)",
        "ressources_financieres": "600€",
        "personnes_mobilisees": "1 bénévoles, 1 partenaire et 1 à 2 intervenants",
        "resultat_territoire": "Le besoin identifié dans la mixité des publics, l'inclusion et la jeunesse, à permis à cette action de voir le jour. Les ateliers deviennent un rdv mensuel pour ces publics qui souhaitent se retrouver autours d'une passion commune.",
        "resultat_centre_social": None,
        "resultat_habitants": "Rdv donné et honoré tous les mois à La Minoterie. La fréquentation est de plus en plus importante.",
        "limites": "Le café des carnassier a pour finalité un concours de pêche le 15 novembre 2025.",
        "perspectives": "Le café des carnassiers sera reconduit en janvier 2026 avec un nouveau concours de pêche en novembre. Les partenariats sont reconduits.",
        "annee": None,
        "source": {"file": SEED_STR, "line": 653},
    },
    # line 948
    {
        "titre": "Loto solidaire",
        "structure": "CENTRE SOCIAL POLYGONE - ASSQOT",
        "departement": "Haute-Garonne",
        "statut": "En cours",
        "raison_fin": None,
        "dimensions": ["Citoyenneté"],
        "mots_cles": ["intergénérationnel", "Solidarité", "Mixité sociale"],
        "initiative": ["Le centre social", "Un groupe d'habitants"],
        "precision_initiative": None,
        "territoire": "Plusieurs quartiers",
        "public": ["Seniors"],
        "partenaires": ["Commune", "Autre"],
        "resume": "Le loto solidaire est avant tout un moment de partage, de convivialité et de lien social. A la fois pensé comme un temps de rencontres entre seniors et comme un générateur de mixités générationnelles et sociales, le loto solidaire mensuel devient peu à peu un rendez-vous incontournable du centre social.",
        "description_experience": "Le loto solidaire a été mis en place suite à plusieurs éléments : une demande de plusieurs habitants séniors du quartier de voir se développer un loto, des situations d'isolement de séniors qui ne sortent de chez eux que pour venir à des actions spécifiques du centre social, un besoin repéré de rencontres, de temps de convivialité et de mixité. Le loto solidaire réuni à la fois des séniors, des adultes isolés, et pendant les vacances scolaires, des familles. De plus, le volet solidaire (aucun transfert d'argent, le droit d'entrée étant le fait de ramener quelque chose à offrir de chez soi, dont on n'a plus l'usage) lève les barrières financières et introduit une notion d'échanges et de don de soi.",
        "description_generale": "Mis en place pour répondre à une demande d'habitants, le loto solidaire est un rendez-vous permettant la rencontre : habitués et nouveaux venus, séniors et familles, habitants de l'immeuble ou du quartier voisin… Peu à peu, le loto solidaire évolue en fonction des opportunités (dernière en date, des places de concert offertes à chaque loto) et de personnes qui le fréquentent (institution d'un goûter partagé avec des mets et friandises amenés par les habitants).",
        "ressources_financieres": None,
        "personnes_mobilisees": "1 professionnel du centre social",
        "resultat_territoire": "Une dynamique de mixité intergénérationnelle et inter quartiers",
        "resultat_centre_social": "Un rendez-vous repéré qui participe à la dynamique d'appropriation du centre social par ses adhérents",
        "resultat_habitants": "Le loto solidaire est peu à peu devenu un rendez-vous incontournable pour une vingtaine de séniors du centre social. Ces derniers sont issus de différents quartiers, ce qui favorise une belle mixité. Lors de chaque séance, des temps de goûter et de partage ont été institués par les participants eux-mêmes. Pendant les vacances, les familles du territoire viennent se mêler aux habitués, faisant de cette action un vecteur de lien intergénérationnel et de solidarité.",
        "limites": None,
        "perspectives": None,
        "annee": None,
        "source": {"file": SEED_STR, "line": 948},
    },
    # line 1250
    {
        "titre": "\"Fête en Plein Air : Jeux, Repas et Loto\"",
        "structure": "CENTRE SOCIAL DE COLOMIERS EN JACCA",
        "departement": "Haute-Garonne",
        "statut": "Terminée",
        "raison_fin": None,
        "dimensions": ["Citoyenneté"],
        "mots_cles": ["Parentalité", "Mixité sociale"],
        "initiative": ["Le centre social"],
        "precision_initiative": None,
        "territoire": "Un quartier",
        "public": ["Tous publics"],
        "partenaires": [],
        "resume": "Cette action a permis de créer du lien entre les habitants dans une ambiance conviviale. Elle a également été l’occasion d’aller à la rencontre de nouveaux résidents du quartier. Enfin, elle a contribué à animer le quartier tout en faisant découvrir un nouveau jeu aux usagers.",
        "description_experience": "Cette action a été mise en place pour répondre à un besoin de lien social sur le territoire, où les occasions de rencontres entre habitants sont encore trop rares. Le quartier accueille régulièrement de nouvelles familles, parfois isolées, et cette initiative visait à créer un temps convivial pour favoriser les échanges, renforcer la cohésion sociale et animer la vie de quartier. Elle répond aux enjeux du projet social en lien avec la participation des habitants, le vivre-ensemble et l’ouverture à de nouveaux publics.",
        "description_generale": "L’action a eu lieu le 28/06/2025. Elle a été entièrement organisée par l’équipe de la Maison Citoyenne. En amont, nous avons fait le tour des commerçants de Colomiers ainsi que des prestataires avec lesquels nous collaborons tout au long de l’année afin de collecter des lots pour le loto. Le jour de l’événement, les adolescents se sont investis activement en participant à la préparation et à la vente de crêpes, des menus du soir, ainsi qu’à la gestion des cartons de loto.",
        "ressources_financieres": "500€",
        "personnes_mobilisees": "4 Professionnels et 4 ados",
        "resultat_territoire": "Cette action a permis de dynamiser le quartier en rassemblant habitants et jeunes autour d’un événement convivial. Elle a renforcé les liens entre les habitants et contribué à valoriser l'engagement des adolescents dans la vie locale. L’implication des partenaires et prestataires a également renforcé les relations entre la Maison Citoyenne et les acteurs du territoire.",
        "resultat_centre_social": "Cette action a renforcé la visibilité et la légitimité du centre social au sein du quartier. Elle a permis de valoriser le travail de l’équipe et son rôle fédérateur, tout en créant une dynamique positive autour de l’implication des jeunes. Elle a également contribué à renforcer les liens de confiance avec les partenaires et les habitants.",
        "resultat_habitants": "L’action a favorisé les échanges entre les habitants dans une ambiance conviviale. Elle a permis de créer de nouveaux liens, notamment avec des familles récemment installées dans le quartier, venues participer à l’événement. Ce moment a renforcé le sentiment d’appartenance et la dynamique collective. Il a également offert à certaines mamans, qui partagent rarement des moments ludiques avec leurs enfants, l’occasion de jouer ensemble. Pour certaines, la barrière de la langue étant un frein à la participation aux activités habituelles, le jeu a permis une interaction simple et accessible, facilitée par la présence de leurs enfants.",
        "limites": None,
        "perspectives": "Fort de cette expérience positive, nous envisageons de renouveler ce type d’action de manière plus régulière, en y associant davantage d’habitants et de partenaires. L’objectif serait d’impliquer plus de bénévoles en amont, notamment des familles, et de renforcer la communication auprès des nouveaux habitants. À terme, ce type de projet pourrait devenir un rendez-vous annuel fédérateur pour le quartier.",
        "annee": None,
        "source": {"file": SEED_STR, "line": 1250},
    },
]


# The free-text fields holding lines that begin with "-" (bullet lists typed by the centres): (title,
# field, first line, last line) — the field's whole text is the file's lines first..last.
DASH_FIELDS = [
    ("agir sur nos déchets : composteur coopératif de quartier :", "resume", 66, 69),
    ("agir sur nos déchets : composteur coopératif de quartier :", "description_generale", 88, 94),
    ('One Women show "Parentalité"', "resume", 117, 120),
    ("Jardin collectif", "description_experience", 272, 274),
    ("Jardin collectif", "description_generale", 285, 291),
    ('"Ta spécialité presque parfait"', "description_experience", 437, 443),
    ("Coin Accueil Familles : Bibliothèque Parentalité", "perspectives", 512, 514),
    ("RENFORCER L'ESTIME DE SOI", "resultat_habitants", 567, 572),
    ("Baraque à fripes", "description_experience", 603, 613),
]

# Every structure line whose name itself contains " - ": (line of the structure, structure, département).
SPLIT_STRUCTURES = [
    (105, "Maison des Habitants de La Salvetat Saint Gilles - Fontenilles", "Haute-Garonne"),
    (951, "CENTRE SOCIAL POLYGONE - ASSQOT", "Haute-Garonne"),
]


def _fiche_titled(fiches: list[Fiche], titre: str) -> Fiche:
    found = [fiche for fiche in fiches if fiche.titre == titre]
    assert len(found) == 1, f"{len(found)} fiches titled {titre!r}"
    return found[0]


def test_seed_has_25_fiches_and_no_rejection(items: list[Fiche | Problem], fiches: list[Fiche]) -> None:
    assert len(fiches) == 25
    rejected = [p for p in _problems(items) if p.rejected]
    assert rejected == []


def test_seed_raises_no_warning_either(items: list[Fiche | Problem]) -> None:
    # The seed is well formed: no unknown or repeated label, no attached file, not cut off (its last
    # fiche ends with the Perspectives text). Any Problem here is a false alarm.
    assert _problems(items) == []


def test_seed_titles_and_source_lines_in_file_order(fiches: list[Fiche]) -> None:
    assert [(fiche.source.line, fiche.titre) for fiche in fiches] == TITLES
    for line, _ in TITLES:
        assert SEED_LINES[line - 1] == "Actions"
    assert all(fiche.source.file == SEED_STR for fiche in fiches)


def test_seed_every_fiche_is_in_haute_garonne_without_year(fiches: list[Fiche]) -> None:
    assert {fiche.departement for fiche in fiches} == {"Haute-Garonne"}
    # The seed has no listing table: the year is unknown.
    assert {fiche.annee for fiche in fiches} == {None}


def test_seed_expected_records_cover_every_key() -> None:
    for expected in EXPECTED:
        assert tuple(expected) == JSON_KEYS


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: f"line{e['source']['line']}")
def test_seed_whole_record(by_line: dict[int, Fiche], expected: dict) -> None:
    line = expected["source"]["line"]
    assert line in by_line, f"no fiche starts at line {line}"
    fiche = by_line[line]
    record = fiche.to_json()
    assert tuple(record) == JSON_KEYS
    for key in JSON_KEYS:  # one key at a time, for readable failures
        assert record[key] == expected[key], key
    assert fiche.source.file == SEED_STR
    assert fiche.source.line == line


@pytest.mark.parametrize(("titre", "field", "first", "last"), DASH_FIELDS, ids=lambda v: str(v)[:24])
def test_seed_dash_lines_stay_in_free_text(
    fiches: list[Fiche], titre: str, field: str, first: int, last: int
) -> None:
    fiche = _fiche_titled(fiches, titre)
    expected_lines = SEED_LINES[first - 1 : last]
    assert any(line.startswith("-") for line in expected_lines)
    value = getattr(fiche, field)
    assert value is not None, f"{field} of {titre!r} is empty"
    assert value.split("\n") == expected_lines


def test_seed_dash_field_inventory(fiches: list[Fiche]) -> None:
    """Exactly the 9 fields above hold lines beginning with "-"; none other does."""
    found = {
        (fiche.titre, field)
        for fiche in fiches
        for field in TEXT_FIELDS
        if getattr(fiche, field) and any(line.startswith("-") for line in getattr(fiche, field).split("\n"))
    }
    assert found == {(titre, field) for titre, field, _, _ in DASH_FIELDS}
    assert len(DASH_FIELDS) == 9


def test_seed_structure_names_with_separator_inventory() -> None:
    """The hand list above is every structure line of the file with more than one " - "."""
    lines = [
        number + 1
        for number, line in enumerate(SEED_LINES)
        if number > 0 and SEED_LINES[number - 1] == "- Structure organisatrice" and line.count(" - ") > 1
    ]
    assert lines == [line for line, _, _ in SPLIT_STRUCTURES]


@pytest.mark.parametrize(("line", "structure", "departement"), SPLIT_STRUCTURES)
def test_seed_structure_split_on_last_separator(
    fiches: list[Fiche], line: int, structure: str, departement: str
) -> None:
    assert SEED_LINES[line - 1] == f"- {structure} - {departement}"
    matching = [fiche for fiche in fiches if fiche.structure == structure]
    assert len(matching) == 1
    assert matching[0].departement == departement


def test_seed_no_list_holds_a_bullet_or_marker(fiches: list[Fiche]) -> None:
    for fiche in fiches:
        for field in LIST_FIELDS:
            for value in getattr(fiche, field):
                assert value == value.strip() and value, (fiche.titre, field, value)
                assert not value.startswith("-"), (fiche.titre, field, value)
                assert "Partenaires d'action" not in value, (fiche.titre, field, value)


def test_seed_no_text_field_swallows_a_label(fiches: list[Fiche]) -> None:
    labels = {
        "- Structure organisatrice", "- Fichier(s) associé(s)", "- Statut de l'action", "- Dimension",
        "- Résumé", "- Public", "- Territoire concerné", "- Description générale",
        "- Suite de l'action : Limites", "- Suite de l'action : Perspectives", "Actions",
        "Les actions des centres sociaux", "Partenaires d'action:",
    }
    for fiche in fiches:
        for field in (*TEXT_FIELDS, "titre", "structure", "statut", "territoire"):
            value = getattr(fiche, field)
            if value:
                assert not labels & set(value.split("\n")), (fiche.titre, field)


def test_seed_every_fiche_has_statut_territoire_and_lists(fiches: list[Fiche]) -> None:
    for fiche in fiches:
        assert fiche.statut in {"En cours", "Terminée"}, fiche.titre
        assert fiche.territoire in {
            "Plusieurs communes", "Une commune", "Plusieurs quartiers", "Un quartier",
        }, fiche.titre
        assert fiche.mots_cles, fiche.titre
        assert fiche.initiative, fiche.titre
        assert fiche.public, fiche.titre
        assert fiche.resume, fiche.titre


def test_seed_read_twice_gives_equal_records() -> None:
    first = [item.to_json() for item in read_export(SEED_STR) if isinstance(item, Fiche)]
    second = [item.to_json() for item in read_export(SEED) if isinstance(item, Fiche)]
    assert [{**r, "source": None} for r in first] == [{**r, "source": None} for r in second]
    assert [r["source"]["line"] for r in first] == [r["source"]["line"] for r in second]
