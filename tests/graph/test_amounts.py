"""Typed budgets and head-counts read from the free text of the fiches (graph/amounts.py).

The seed table was written by reading each of the 25 fiches of the real export by hand (both fields,
and the rest of the fiche where the two fields were unclear), not by running the parser; a comment says
why on every row that is not a plain number. The variants are strings written for other départements'
habits, odd spellings and number formats; the property tests check the invariants on any text.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.graph.amounts import Budget, Count, People, read_budget, read_people
from maillage.graph.export import read_export
from maillage.graph.record import Fiche

# A count as the tables write it: an int when exact (or approximate), (minimum, maximum) otherwise.
Expected = int | tuple[int | None, int | None] | None


def simple(count: Count | None) -> Expected:
    if count is None:
        return None
    if count.value is not None:
        return count.value
    return (count.minimum, count.maximum)


# ---------------------------------------------------------------------------------------------------------
# The 25 fiches of the seed: (structure, title) -> (total budget in euros, professionals, volunteers)
# ---------------------------------------------------------------------------------------------------------

SEED_TABLE: list[tuple[str, str, Decimal | None, Expected, Expected]] = [
    # Budget "frais de personnel": staff costs are named, no amount is given.
    ("Maison des Habitants de Lèguevin", "GRATUITERIE", None, 4, 23),
    # Both fields empty.
    ("LE TRIPORTEUR D'IDEES", "agir sur nos déchets : composteur coopératif de quartier :", None, None, None),
    # People "150": a bare number, kind not stated (a show's audience, most likely): persons, not staff.
    (
        "Maison des Habitants de La Salvetat Saint Gilles - Fontenilles",
        'One Women show "Parentalité"',
        Decimal(1500),
        None,
        None,
    ),
    ("L'ESPACE DES POSSIBLES", "Mon ado, mon ami.e, mon corps, sa santé, sa sexualité", Decimal(6000), 4, 30),
    # Budget: the référente's time, no money. People "9 personnes (8 bénévoles et 1 référente)": the
    # référente is staff (the description calls her "la référente participation").
    ("CENTRE SOCIAL LES IZARDS-BORDEROUGE", "Ateliers de conversation en Français", None, 1, 8),
    # No budget. "1 animatrice" is staff; "2 volontaire en service civique" are civic service, not
    # bénévoles; "Nombre de jardiniers … : 12-15" are participants.
    ("LABO BINETTE", "Jardin collectif", None, 1, None),
    # "Dépenses : rémunération du personnel 2660.67€ / Recettes : Politique de la ville 1000€, CIAS
    # 1660.67€": expenses and receipts balance, the budget is 2660.67. "Une animatrice" is one staff
    # member; "l'ensemble des partenaires locaux" has no number.
    ("CENTRE SOCIAL AZIMUT", "Citoyenneté et valeurs de la République", Decimal("2660.67"), 1, None),
    # "Pas de budget défini. Participation à prix libre des usagers.": no budget was fixed and users
    # pay what they want, so the money is unknown, not nil. People: "3 bénévoles administrateurs et 11
    # bénévoles" are two groups of volunteers: 14.
    ("SOUS LES TILLEULS", "Le Vendredi c'est Permis !", None, 1, 14),
    # "Aucun budget n'a était nécessaire": 0.
    ("CENTRE SOCIAL DE COLOMIERS SAINT EXUPERY", '"Ta spécialité presque parfait"', Decimal(0), 2, None),
    # "200€ pour le renouvellement des livres". "une association" is a partner, not staff.
    (
        "MAISON DE QUARTIER DU CYPRIE",
        "Coin Accueil Familles : Bibliothèque Parentalité",
        Decimal(200),
        3,
        None,
    ),
    # "le cout global du projet est de 11000 euros". "un référent" is staff; "une intervenante" is a
    # hired professional from outside, counted as a contributor (intervenant), not as the centre's staff.
    ("CENTRE SOCIAL GRAND SELVE ESPACE CHIOMENTO", "RENFORCER L'ESTIME DE SOI", Decimal(11000), 1, None),
    # "achats de portants : 450€ / repas convivialité : 100€ environ par évènement": a one-off amount
    # and an approximate rate per event (3 events in 2024, 2 in 2025 says the description): no single
    # total. People "jusqu'à 22 bénévoles": an upper bound only.
    ('Centre Social " Maison Monique Culié"', "Baraque à fripes", None, 2, (None, 22)),
    # "1 bénévoles, 1 partenaire et 1 à 2 intervenants": no staff named (intervenants are contributors).
    ("LE CAFE DES MINOTIERS", "Café des Carnassiers - Ateliers techniques de pêche", Decimal(600), None, 1),
    ("CENTRE SOCIAL LES CEVENNES-PADERNE", "Graines de solidarités", Decimal(200), 4, 8),
    # "Intervention gratuite … 10euros de budget pour le goûter": the free intervention is in kind, the
    # money is 10 €. People "15 personnes": kind not stated.
    ("MAISON DE QUARTIER QUEFETS", "ATELIER DECOUVERTE DU THEÂTRE", Decimal(10), None, None),
    # "2300 euros => RH / 1000 euros => Sorties / 500 euros => Matériel / 200 euros => Collations": four
    # plain items, 4000. "2 services civiques" are civic service, not volunteers.
    (
        "LA PASSERELLE NEGRENEYS",
        "Tisser du lien : Activités intergénérationnelles autour du textile et de sorties culturelles",
        Decimal(4000),
        3,
        1,
    ),
    # No budget. "5 femmes à l'inition": the inhabitants who organised it (the description says so),
    # neither staff nor declared volunteers: a count of participants ("femmes").
    ("MJC JACQUES PREVERT", "Les Olympiades de PATABOR", None, None, None),
    # "Pas de dépenses spécifiques engagées. Utilisation d'une salle communale…": no money spent, 0.
    # People "La référente familles + 5 bénévoles": one référente.
    ("CENTRE SOCIAL ESCALQUENS", "Stage de danse latines parents-enfants", Decimal(0), 1, 5),
    ("CENTRE SOCIAL POLYGONE - ASSQOT", "Loto solidaire", None, 1, None),
    # "selon les années entre 500 et 4000€": a range, no total. "10 partenaires", "80 habitants en
    # moyenne" are partners and participants.
    ("CENTRE SOCIAL ESPOIR", "Journées santé", None, 6, None),
    # Budget: a salaried worker's time; "Entre 2 et 3 h de réunion" are hours, not euros. People "1
    # salariée et ponctuellement un ludothécaire de l'association": the ludothécaire comes now and then
    # from another association, so he is not added to the centre's one salaried worker.
    ("Espace de Vie Sociale des Arènes Romaines", "Marmothèque", None, 1, None),
    # "2 professionnels , bénévoles": volunteers are named, not counted.
    (
        "CENTRE SOCIAL ESPACE POUR TOUS",
        "Espace - jeu / rencontre pour les parents accompagnés de leurs enfants âgés de 0 à 3 ans",
        None,
        2,
        None,
    ),
    # "13 résident.e.s / 1 bénévole référente / 1 salariée animatrice de l'EVS": the référente is a
    # volunteer ("bénévole" first), the animatrice is staff; residents are participants.
    ("LA CAFETIERE", "Bulle du dimanche", None, 1, 1),
    # "Budget de 60000€ en 2024 avec 2 salariés": 2024 and the 2 salariés are not money. People "3
    # salariés, 24 bénévoles, 5 professionnels": listed apart, so the 5 professionals are not the 3
    # salariés: 8 paid people. (Uncertain: they may be outside professionals; the rule adds them.)
    ("LE P'AUS CAFE", "P'Aus Café", Decimal(60000), 8, 24),
    # "4 Professionnels et 4 ados": the teenagers are participants.
    (
        "CENTRE SOCIAL DE COLOMIERS EN JACCA",
        '"Fête en Plein Air : Jeux, Repas et Loto"',
        Decimal(500),
        4,
        None,
    ),
]

# Other values of the seed fiches, by the same reading (kinds not listed are absent).
SEED_OTHERS: dict[str, dict[str, Any]] = {
    'One Women show "Parentalité"': {"persons": 150},
    "Ateliers de conversation en Français": {"persons": 9},
    "Jardin collectif": {
        "civic_service": 2,
        "civic_occasional": True,
        "participants": [("jardiniers", (12, 15))],
    },
    "Citoyenneté et valeurs de la République": {"named": ("partenaires",)},
    "Coin Accueil Familles : Bibliothèque Parentalité": {"partners": 1},
    "RENFORCER L'ESTIME DE SOI": {"contributors": 1, "participants": [("participants", 16)]},
    "Café des Carnassiers - Ateliers techniques de pêche": {"contributors": (1, 2), "partners": 1},
    "ATELIER DECOUVERTE DU THEÂTRE": {"persons": 15},
    "Tisser du lien : Activités intergénérationnelles autour du textile et de sorties culturelles": {
        "civic_service": 2
    },
    "Les Olympiades de PATABOR": {"participants": [("femmes", 5)]},
    "Journées santé": {"partners": 10, "participants": [("habitants", 80)], "budget_range": (500, 4000)},
    "Espace - jeu / rencontre pour les parents accompagnés de leurs enfants âgés de 0 à 3 ans": {
        "named": ("bénévoles",)
    },
    "Bulle du dimanche": {"participants": [("résident.e.s", 13)], "named": ("usagers",)},
    '"Fête en Plein Air : Jeux, Repas et Loto"': {"participants": [("ados", 4)]},
}


@pytest.fixture(scope="module")
def seed_fiches(seed: Path) -> dict[tuple[str, str], Fiche]:
    fiches = [item for item in read_export(seed) if isinstance(item, Fiche)]
    return {(fiche.structure or "", fiche.titre or ""): fiche for fiche in fiches}


def test_the_table_covers_every_seed_fiche(seed_fiches: dict[tuple[str, str], Fiche]) -> None:
    assert len(seed_fiches) == 25
    assert {(structure, title) for structure, title, *_ in SEED_TABLE} == set(seed_fiches)


@pytest.mark.parametrize(
    ("structure", "title", "total", "professionals", "volunteers"),
    SEED_TABLE,
    ids=[row[1][:40] for row in SEED_TABLE],
)
def test_seed_fiche(
    seed_fiches: dict[tuple[str, str], Fiche],
    structure: str,
    title: str,
    total: Decimal | None,
    professionals: Expected,
    volunteers: Expected,
) -> None:
    fiche = seed_fiches[(structure, title)]
    budget = read_budget(fiche.ressources_financieres)
    people = read_people(fiche.personnes_mobilisees)
    assert budget.raw == fiche.ressources_financieres
    assert people.raw == fiche.personnes_mobilisees
    assert budget.total == total, budget.how
    assert simple(people.professionals) == professionals, people.how
    assert simple(people.volunteers) == volunteers, people.how

    others = SEED_OTHERS.get(title, {})
    for kind in ("civic_service", "contributors", "partners", "persons"):
        assert simple(getattr(people, kind)) == others.get(kind), (kind, people.how)
    assert [(c.noun, simple(c)) for c in people.participants] == others.get("participants", [])
    assert people.named_without_count == others.get("named", ())
    if "civic_occasional" in others:
        assert people.civic_service is not None and people.civic_service.occasional
    low, high = others.get("budget_range", (None, None))
    assert (budget.minimum, budget.maximum) == (
        None if low is None else Decimal(low),
        None if high is None else Decimal(high),
    )


def test_seed_counts(seed_fiches: dict[tuple[str, str], Fiche]) -> None:
    """How much of the seed the rules type: the numbers the report quotes."""
    budgets = [read_budget(f.ressources_financieres) for f in seed_fiches.values()]
    people = [read_people(f.personnes_mobilisees) for f in seed_fiches.values()]
    assert sum(b.total is not None for b in budgets) == 13
    assert sum(b.total == 0 for b in budgets) == 2
    assert sum(b.minimum is not None for b in budgets) == 1
    assert sum(p.professionals is not None for p in people) == 20
    assert sum(p.volunteers is not None for p in people) == 11


def test_seed_details(seed_fiches: dict[tuple[str, str], Fiche]) -> None:
    by_title = {title: fiche for (_, title), fiche in seed_fiches.items()}
    balanced = read_budget(by_title["Citoyenneté et valeurs de la République"].ressources_financieres)
    assert [(i.label, i.amount) for i in balanced.items] == [
        ("rémunération du personnel", Decimal("2660.67"))
    ]
    assert [(i.label, i.amount) for i in balanced.funding] == [
        ("Politique de la ville", Decimal(1000)),
        ("CIAS", Decimal("1660.67")),
    ]
    assert balanced.confidence == "high"

    tisser = "Tisser du lien : Activités intergénérationnelles autour du textile et de sorties culturelles"
    itemised = read_budget(by_title[tisser].ressources_financieres)
    assert [(i.label, i.amount) for i in itemised.items] == [
        ("RH", Decimal(2300)),
        ("Sorties", Decimal(1000)),
        ("Matériel", Decimal(500)),
        ("Collations", Decimal(200)),
    ]
    assert itemised.confidence == "medium" and "sum" in itemised.how

    rated = read_budget(by_title["Baraque à fripes"].ressources_financieres)
    assert [(i.amount, i.per, i.approximate) for i in rated.items] == [
        (Decimal(450), None, False),
        (Decimal(100), "évènement", True),
    ]
    assert rated.confidence == "none"

    zero = read_budget(by_title["Stage de danse latines parents-enfants"].ressources_financieres)
    assert zero.zero_reason == "Pas de dépenses spécifiques engagées"

    marmotheque = read_people(by_title["Marmothèque"].personnes_mobilisees)
    assert marmotheque.set_aside == (
        ("un ludothécaire de l'association", "occasional: not added to the regular count"),
    )


# ---------------------------------------------------------------------------------------------------------
# Budget variants
# ---------------------------------------------------------------------------------------------------------

D = Decimal

BUDGETS: list[tuple[str, dict[str, Any]]] = [
    # number formats
    ("1500€", {"total": D(1500), "confidence": "high"}),
    ("1 500 €", {"total": D(1500)}),
    ("1\u202f500\u00a0€", {"total": D(1500)}),
    ("1\u00a0500€", {"total": D(1500)}),
    ("1.500 euros", {"total": D(1500)}),
    ("1 500,50 €", {"total": D("1500.50")}),
    ("1.500,50 €", {"total": D("1500.50")}),
    ("1500,5€", {"total": D("1500.5")}),
    ("2660.67€", {"total": D("2660.67")}),
    ("0,50 €", {"total": D("0.50")}),
    ("€ 1 500", {"total": D(1500)}),
    ("€1500", {"total": D(1500)}),
    ("1500 EUR", {"total": D(1500)}),
    ("1500 Euros TTC", {"total": D(1500)}),
    ("1500 euros HT", {"total": D(1500)}),
    ("10euros de budget pour le goûter.", {"total": D(10)}),
    ("3 k€", {"total": D(3000)}),
    ("3K€", {"total": D(3000)}),
    ("3,5 k€", {"total": D(3500)}),
    ("2.5K euros", {"total": D(2500)}),
    ("15 K euros", {"total": D(15000)}),
    ("1,2 M€", {"total": D(1200000)}),
    ("2 millions d'euros", {"total": D(2000000)}),
    ("1.000.000 €", {"total": D(1000000)}),
    ("12.500€", {"total": D(12500)}),
    ("Coût de l'action : 1 000 000€", {"total": D(1000000)}),
    ("1500", {"total": D(1500), "confidence": "medium"}),
    ("Budget : 800", {"total": D(800)}),
    # unreadable or not money
    ("1,500 €", {"total": None, "how": "currency"}),
    ("frais de personnel", {"total": None}),
    ("Action gratuite", {"total": None}),
    ("2 salariés", {"total": None}),
    ("4 professionnels , 23 bénévoles", {"total": None}),
    ("10 bénévoles 2023", {"total": None}),
    ("Entre 2 et 3 h de réunion de préparation par an", {"total": None, "minimum": None}),
    ("50%", {"total": None}),
    ("Contact : 05 61 23 45 67", {"total": None}),
    ("+33 5 61 23 45 67", {"total": None}),
    ("0561234567", {"total": None}),
    ("Réunion le 12/03/2024", {"total": None}),
    ("le 29.09.2024", {"total": None}),
    # years are never amounts; amounts beside years are
    ("2019", {"total": None, "how": "year"}),
    ("en 2021", {"total": None}),
    ("Budget 2022", {"total": None}),
    ("2023-2024", {"total": None, "minimum": None}),
    ("Budget de 60000€ en 2024 avec 2 salariés", {"total": D(60000)}),
    ("2019 €", {"total": D(2019)}),
    ("2023 : 1500€ ; 2024 : 2000€", {"total": None, "items": [("2023", D(1500)), ("2024", D(2000))]}),
    ("Budget 2024 : 1000€ fonctionnement + 500€ investissement", {"total": D(1500)}),
    # phone numbers, dates and percentages beside an amount
    ("Tél 05.61.23.45.67 - 300€", {"total": D(300), "confidence": "medium"}),
    ("Réunion le 12/03/2024, budget 250€", {"total": D(250)}),
    ("5000€ dont 50% Caf", {"total": D(5000), "confidence": "medium"}),
    ("3000€ dont 50% financés par la Caf et 1000€ par la commune", {"total": None}),
    ("1000€ (30 % Caf, 70 % commune)", {"total": D(1000)}),
    # nil budgets
    ("Aucun budget", {"total": D(0), "zero_reason": "Aucun budget"}),
    (
        "Aucun budget n'a était nécessaire",
        {"total": D(0), "zero_reason": "Aucun budget n'a était nécessaire"},
    ),
    ("aucune dépense", {"total": D(0)}),
    ("Pas de budget", {"total": D(0)}),
    ("pas de budget spécifique", {"total": D(0)}),
    ("Ne nécessite pas de budget.", {"total": D(0)}),
    ("Pas de frais", {"total": D(0)}),
    ("Pas de dépenses spécifiques engagées. Utilisation d'une salle communale.", {"total": D(0)}),
    ("Sans budget", {"total": D(0)}),
    ("Coût nul", {"total": D(0)}),
    ("budget : zéro", {"total": D(0)}),
    ("Néant", {"total": D(0)}),
    ("Bénévolat", {"total": D(0), "zero_reason": "Bénévolat"}),
    ("Uniquement du bénévolat", {"total": D(0)}),
    ("0€", {"total": D(0), "zero_reason": "0€"}),
    ("0 euro", {"total": D(0)}),
    ("Aucun coût pour le centre social", {"total": D(0)}),
    ("Pas de budget défini. Participation à prix libre des usagers.", {"total": None, "how": "not fixed"}),
    ("budget non défini", {"total": None, "zero_reason": None}),
    ("frais de personnel et bénévolat", {"total": None}),
    ("Pas de budget spécifique, 50 € de goûter", {"total": D(50), "confidence": "medium"}),
    # approximate amounts, bounds, rates, periods
    ("environ 1500€", {"total": D(1500), "approximate": True, "confidence": "medium"}),
    ("1500€ environ", {"total": D(1500), "approximate": True}),
    ("~ 1500 €", {"total": D(1500), "approximate": True}),
    ("près de 800 euros", {"total": D(800), "approximate": True}),
    ("jusqu'à 500€", {"total": None, "maximum": D(500)}),
    ("maximum 500 €", {"total": None, "maximum": D(500)}),
    ("au moins 300€", {"total": None, "minimum": D(300)}),
    ("plus de 300 €", {"total": None, "minimum": D(300)}),
    ("15€ par personne", {"total": None, "items": [("", D(15))]}),
    ("15 € / séance", {"total": None}),
    ("10€ la séance", {"total": None}),
    ("200€ par mois", {"total": None}),
    ("500€/an", {"total": D(500), "period": "an"}),
    ("500 € par an", {"total": D(500), "period": "an"}),
    ("budget annuel de 12 000€", {"total": D(12000), "period": "an"}),
    ("1200€ annuels", {"total": D(1200), "period": "an"}),
    ("financé par la commune à hauteur de 400€", {"total": D(400)}),
    # ranges
    ("entre 500 et 4000€", {"total": None, "minimum": D(500), "maximum": D(4000)}),
    ("selon les années entre 500 et 4000€", {"minimum": D(500), "maximum": D(4000)}),
    ("entre 500€ et 4 000€", {"minimum": D(500), "maximum": D(4000)}),
    ("de 500 à 800 €", {"total": None, "minimum": D(500), "maximum": D(800)}),
    ("500-800€", {"minimum": D(500), "maximum": D(800)}),
    ("500 – 800 euros", {"minimum": D(500), "maximum": D(800)}),
    ("de 500€ à 800€", {"minimum": D(500), "maximum": D(800)}),
    ("entre 5 et 10 k€", {"minimum": D(5000), "maximum": D(10000)}),
    ("entre 4000 et 500€", {"total": None, "minimum": None, "maximum": None}),
    ("entre 500 et 800€, plus 200€ de transport", {"total": None, "minimum": None}),
    # several amounts
    (
        "subvention Caf de 3000€ et 500€ de la commune",
        {
            "total": D(3500),
            "items": [("subvention Caf", D(3000)), ("la commune", D(500))],
            "confidence": "medium",
        },
    ),
    (
        "2300 euros => RH\n1000 euros => Sorties",
        {"total": D(3300), "items": [("RH", D(2300)), ("Sorties", D(1000))]},
    ),
    (
        "- 300 € matériel\n- 200 € alimentation",
        {"total": D(500), "items": [("matériel", D(300)), ("alimentation", D(200))]},
    ),
    ("Prestation 800 € + location de salle 200 €", {"total": D(1000)}),
    ("Caf 1200€, Commune 800€, autofinancement 300€", {"total": D(2300)}),
    ("Financement Caf : 1 200 € / Financement commune : 800 €", {"total": D(2000)}),
    (
        "Matériel : 300 € ; sorties : 500 € ; soit 800 € au total",
        {"total": D(800), "confidence": "high", "items": [("Matériel", D(300)), ("sorties", D(500))]},
    ),
    ("Budget total : 1000€ (matériel 400€, sorties 600€)", {"total": D(1000), "confidence": "high"}),
    ("Budget total 1000€ : matériel 300€, sorties 600€", {"total": D(1000), "confidence": "medium"}),
    ("Budget global de 5000€ dont 3000€ de la Caf", {"total": D(5000), "items": [("la Caf", D(3000))]}),
    ("5000€ dont 6000€ de la Caf", {"total": None}),
    ("500€ ou 800€ selon les années", {"total": None}),
    ("500€ / 800€", {"total": None}),
    ("Matériel 100€ environ, sorties 200€", {"total": D(300), "approximate": True}),
    ("achats : 450€\nrepas : 100€ environ par évènement", {"total": None}),
    ("jusqu'à 500€ de matériel et 200€ de sorties", {"total": None}),
    (
        "Dépenses : animation 1500€, matériel 500€\nRecettes : Caf 1200€, commune 800€",
        {"total": D(2000), "confidence": "high", "funding": [("Caf", D(1200)), ("commune", D(800))]},
    ),
    ("Dépenses : 2000€\nRecettes : Caf 1000€", {"total": None, "how": "differ"}),
    ("Recettes : Caf 600€, commune 300€", {"total": D(900)}),
    # empty
    ("", {"total": None, "how": "empty"}),
    ("   \n ", {"total": None}),
]


@pytest.mark.parametrize(("text", "expected"), BUDGETS, ids=[repr(t)[:50] for t, _ in BUDGETS])
def test_budget_variant(text: str, expected: dict[str, Any]) -> None:
    budget = read_budget(text)
    assert budget.raw == text
    for key, value in expected.items():
        if key == "items":
            assert [(i.label, i.amount) for i in budget.items] == value, budget.how
        elif key == "funding":
            assert [(i.label, i.amount) for i in budget.funding] == value, budget.how
        elif key == "how":
            assert value in budget.how, budget.how
        else:
            assert getattr(budget, key) == value, (key, budget)


def test_budget_of_none() -> None:
    assert read_budget(None) == Budget(raw=None, how="empty")


# ---------------------------------------------------------------------------------------------------------
# People variants
# ---------------------------------------------------------------------------------------------------------

PEOPLE: list[tuple[str, dict[str, Any]]] = [
    ("4 professionnels , 23 bénévoles", {"professionals": 4, "volunteers": 23}),
    ("2 salariés", {"professionals": 2}),
    ("1 salariée", {"professionals": 1}),
    ("3 salarié.e.s, 5 bénévole·s", {"professionals": 3, "volunteers": 5}),
    ("Animateur.rice.s : 2", {"professionals": 2}),
    ("deux animatrices et trois bénévoles", {"professionals": 2, "volunteers": 3}),
    ("une animatrice", {"professionals": 1}),
    ("1 coordinatrice, 1 animatrice, 1 agent d'accueil", {"professionals": 3}),
    ("1 conseillère numérique", {"professionals": 1}),
    ("le directeur, la référente famille et 6 bénévoles", {"professionals": 2, "volunteers": 6}),
    ("l'animatrice et 4 bénévoles", {"professionals": 1, "volunteers": 4}),
    ("les animatrices et les bénévoles", {"named": ("animatrices", "bénévoles")}),
    # volunteering qualifies any role; salaried qualifies an intervenant
    ("1 psychologue bénévole, 1 animatrice", {"professionals": 1, "volunteers": 1}),
    ("1 bénévole référente", {"volunteers": 1}),
    ("1 intervenant salarié", {"professionals": 1}),
    ("2 intervenants bénévoles", {"volunteers": 2}),
    ("1 intervenante", {"contributors": 1}),
    ("1 à 2 intervenants", {"contributors": (1, 2)}),
    # civic service is not volunteering
    ("2 services civiques", {"civic_service": 2}),
    ("2 volontaires en service civique", {"civic_service": 2}),
    ("1 jeune en service civique", {"civic_service": 1}),
    ("2 SC", {"civic_service": 2}),
    # number words, approximate counts, ranges and bounds
    ("Une dizaine de bénévoles", {"volunteers": 10, "approximate": "volunteers"}),
    ("une quinzaine de jeunes", {"participants": [("jeunes", 15)]}),
    ("environ 20 bénévoles", {"volunteers": 20, "approximate": "volunteers"}),
    ("20 bénévoles environ", {"volunteers": 20, "approximate": "volunteers"}),
    ("entre 10 et 15 bénévoles", {"volunteers": (10, 15)}),
    ("de 10 à 15 bénévoles", {"volunteers": (10, 15)}),
    ("10-15 bénévoles", {"volunteers": (10, 15)}),
    ("jusqu'à 22 bénévoles", {"volunteers": (None, 22)}),
    ("au moins 3 bénévoles", {"volunteers": (3, None)}),
    ("plus de 40 familles", {"participants": [("familles", (40, None))]}),
    ("80 habitants en moyenne", {"participants": [("habitants", 80)]}),
    ("1 200 habitants", {"participants": [("habitants", 1200)]}),
    # sums and breakdowns
    ("3 bénévoles administrateurs et 11 bénévoles", {"volunteers": 14}),
    ("3 salariés, 24 bénévoles, 5 professionnels", {"professionals": 8, "volunteers": 24}),
    ("9 personnes (8 bénévoles et 1 référente)", {"persons": 9, "volunteers": 8, "professionals": 1}),
    ("5 professionnels (2 animateurs, 1 directrice, 2 référentes)", {"professionals": 5, "aside": 3}),
    ("10 bénévoles dont 3 jeunes", {"volunteers": 10, "aside": 1}),
    (
        "4 professionnels dont 2 animatrices et 1 directrice, 10 bénévoles",
        {"professionals": 4, "volunteers": 10, "aside": 2},
    ),
    ("une association et 2 partenaires", {"partners": 3}),
    ("au moins 3 bénévoles et jusqu'à 5 bénévoles", {"aside": 2}),
    ("00000000", {"aside": 1}),
    ("10 partenaires", {"partners": 10}),
    # labels before the number
    ("Bénévoles : 12", {"volunteers": 12}),
    ("Salariés : 3, bénévoles : 10", {"professionals": 3, "volunteers": 10}),
    ("Nombre de participants : 45", {"participants": [("participants", 45)]}),
    # occasional people
    ("1 salariée et ponctuellement un ludothécaire de l'association.", {"professionals": 1, "aside": 1}),
    ("ponctuellement un ludothécaire", {"professionals": 1, "occasional": "professionals"}),
    ("2 bénévoles et parfois 3 bénévoles de plus", {"volunteers": 2, "aside": 1}),
    # persons of unstated kind
    ("150", {"persons": 150}),
    ("15 personnes", {"persons": 15}),
    ("12-15", {"persons": (12, 15)}),
    ("2 groupes de 8 personnes", {"persons": 8, "aside": 1}),
    ("30 personnes âgées", {"participants": [("personnes", 30)]}),
    # what is not a head-count
    ("0,5 ETP", {"aside": 1}),
    ("2 ETP et 5 bénévoles", {"volunteers": 5, "aside": 1}),
    ("3 ateliers, 12 participants", {"participants": [("participants", 12)], "aside": 1}),
    ("En 2023 : 15 bénévoles", {"volunteers": 15, "aside": 1}),
    ("15 bénévoles en 2023", {"volunteers": 15, "aside": 1}),
    ("2023", {"aside": 1}),
    ("Contact 05 61 23 45 67 - 2 salariés", {"professionals": 2}),
    ("171 heures de bénévolat", {"aside": 1}),
    ("3 professionnels du centre social + 2 de la mairie", {"professionals": 3, "aside": 1}),
    ("2 professionnels , bénévoles", {"professionals": 2, "named": ("bénévoles",)}),
    ("plusieurs bénévoles", {"named": ("bénévoles",)}),
    ("quelques bénévoles et 1 salarié", {"professionals": 1, "named": ("bénévoles",)}),
    ("toute l'équipe", {}),
    ("une fois par mois", {}),
    ("", {}),
]


@pytest.mark.parametrize(("text", "expected"), PEOPLE, ids=[repr(t)[:50] for t, _ in PEOPLE])
def test_people_variant(text: str, expected: dict[str, Any]) -> None:
    people = read_people(text)
    assert people.raw == text
    for kind in ("professionals", "volunteers", "civic_service", "contributors", "partners", "persons"):
        assert simple(getattr(people, kind)) == expected.get(kind), (kind, people.how)
    if "participants" in expected:
        assert [(c.noun, simple(c)) for c in people.participants] == expected["participants"], people.how
    if "named" in expected:
        assert people.named_without_count == expected["named"]
    assert len(people.set_aside) == expected.get("aside", 0), people.set_aside
    for flag in ("approximate", "occasional"):
        if flag in expected:
            assert getattr(getattr(people, expected[flag]), flag), people.how


def test_people_of_none() -> None:
    assert read_people(None) == People(raw=None, how="empty")


# ---------------------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------------------

MONEY_WORDS = st.sampled_from(
    ["€", "euros", "k€", " ", ",", ".", "0", "5", "12", "1 500", "2019", "entre", "et", "à", "-", "dont",
     "soit", "total", "par", "mois", "an", "ou", "/", "%", "Aucun budget", "pas de budget", "bénévoles",
     "salariés", "\n", ":", "=>", "environ", "jusqu'à", "(", ")", "\u202f", "\u00a0", "Recettes :",
     "Dépenses :", "la", "Caf", "05 61 23 45 67", "dizaine", "une", "un", "ponctuellement", "+"]
)  # fmt: skip
TEXTS = st.one_of(st.text(), st.lists(MONEY_WORDS, max_size=14).map(" ".join))


def _budget_invariants(text: str) -> None:
    budget = read_budget(text)
    assert budget.raw == text
    assert read_budget(text) == budget  # deterministic
    for value in (budget.total, budget.minimum, budget.maximum):
        assert value is None or value >= 0
    assert all(item.amount >= 0 for item in (*budget.items, *budget.funding))
    if budget.minimum is not None and budget.maximum is not None:
        assert budget.minimum <= budget.maximum
    typed = (budget.total, budget.minimum, budget.maximum)
    assert (budget.confidence == "none") == all(value is None for value in typed), budget
    assert budget.zero_reason is None or budget.total == 0
    assert budget.how


def _people_invariants(text: str) -> None:
    people = read_people(text)
    assert people.raw == text
    assert read_people(text) == people
    counts = [getattr(people, kind) for kind in ("professionals", "volunteers", "civic_service")]
    counts += [people.contributors, people.partners, people.persons, *people.participants]
    for count in counts:
        if count is None:
            continue
        assert all(v is None or v >= 0 for v in (count.value, count.minimum, count.maximum))
        assert count.value is not None or count.minimum is not None or count.maximum is not None
        if count.minimum is not None and count.maximum is not None:
            assert count.minimum <= count.maximum


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_budget_never_raises_and_keeps_its_invariants(text: str) -> None:
    _budget_invariants(text)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_people_never_raises_and_keeps_its_invariants(text: str) -> None:
    _people_invariants(text)


YEAR_TEMPLATES = st.sampled_from(
    ["{y}", " {y} ", "{y}.", "en {y}", "En {y}", "Année {y}", "depuis {y}", "Budget {y}", "{y}-{z}",
     "{y}/{z}", "{y} - {z}", "action reconduite en {y}", "le 12/03/{y}", "{y}\n{z}", "entre {y} et {z}"]
)  # fmt: skip


@given(st.integers(1950, 2099), st.integers(1950, 2099), YEAR_TEMPLATES)
def test_a_year_alone_is_never_an_amount(year: int, other: int, template: str) -> None:
    budget = read_budget(template.format(y=year, z=other))
    assert (budget.total, budget.minimum, budget.maximum, budget.items) == (None, None, None, ())


@given(
    st.integers(1, 999),
    st.sampled_from(
        ["bénévoles", "salariés", "professionnels", "personnes", "participants", "heures", "jeunes"]
    ),
)
def test_a_count_of_people_is_never_an_amount(number: int, noun: str) -> None:
    budget = read_budget(f"{number} {noun}")
    assert (budget.total, budget.minimum, budget.maximum) == (None, None, None)


@given(
    st.integers(1, 9), st.lists(st.integers(0, 99), min_size=4, max_size=4), st.sampled_from([" ", ".", ""])
)
def test_a_phone_number_is_never_an_amount(digit: int, pairs: list[int], separator: str) -> None:
    rest = separator.join(f"{pair:02d}" for pair in pairs)
    for phone in (f"0{digit}{separator}{rest}", f"+33 {digit}{separator}{rest}"):
        budget = read_budget(f"Contact : {phone}")
        assert budget.total is None and budget.items == (), phone


def french(number: int, separator: str) -> str:
    """``number`` with its thousands grouped by ``separator``, as French writes it."""
    digits = str(number)
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return separator.join(groups)


@given(
    st.integers(0, 10**9),
    st.one_of(st.none(), st.integers(0, 99)),
    st.sampled_from(["", " ", "\u00a0", "\u202f", "."]),
    st.sampled_from(["{}€", "{} €", "{} euros", "{} EUR", "€ {}", "€{}", "{} Euros TTC", "Budget : {} €"]),
)
def test_french_amounts_are_read_exactly(
    number: int, cents: int | None, separator: str, template: str
) -> None:
    written = french(number, separator) + ("" if cents is None else f",{cents:02d}")
    expected = Decimal(number) + (Decimal(0) if cents is None else Decimal(cents) / 100)
    budget = read_budget(template.format(written))
    assert budget.total == expected, (written, budget.how)
