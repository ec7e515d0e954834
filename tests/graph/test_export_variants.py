"""Acceptance tests of the export parser on hand-written exports (tests/data/) and generated bad inputs.

Each file of tests/data/ covers one variant of the format described in ../shared/README.md or one bad
input. The expected values are written out from the files; line numbers are 1-based lines of the files.
Message assertions stick to key words: the wording is the parser's.
"""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from maillage.graph.export import PAGE_HEADER, Problem, read_export, read_export_bytes, read_exports
from maillage.graph.record import JSON_KEYS, LIST_FIELDS, Fiche

DATA = Path(__file__).resolve().parents[1] / "data"


# --- helpers ------------------------------------------------------------------------------------------


def data(name: str) -> str:
    return str(DATA / name)


def split(items: list[Fiche | Problem]) -> tuple[list[Fiche], list[Problem]]:
    fiches = [item for item in items if isinstance(item, Fiche)]
    problems = [item for item in items if isinstance(item, Problem)]
    assert len(fiches) + len(problems) == len(items), "read_export yields only Fiche and Problem"
    return fiches, problems


def read(path: str) -> tuple[list[Fiche], list[Problem]]:
    return split(list(read_export(path)))


def fiches_in(path: str | Path) -> int:
    """How many fiches a text export holds: its ``Actions`` lines."""
    text = Path(path).read_bytes().decode("utf-8", errors="replace")
    return sum(1 for line in text.splitlines() if line.strip() == "Actions")


def assert_counts_add_up(path: str, fiches: list[Fiche], problems: list[Problem]) -> None:
    rejected = [p for p in problems if p.rejected]
    assert len(fiches) + len(rejected) == fiches_in(path)


def has_words(problem: Problem, *words: str) -> bool:
    message = problem.message.lower()
    return all(word.lower() in message for word in words)


def has_any_word(problem: Problem, *words: str) -> bool:
    message = problem.message.lower()
    return any(word.lower() in message for word in words)


def record(file: str, line: int, **fields: Any) -> dict[str, Any]:
    """A whole expected record: every key of the format, empty unless given."""
    unknown = set(fields) - set(JSON_KEYS)
    assert not unknown, unknown
    base: dict[str, Any] = {key: ([] if key in LIST_FIELDS else None) for key in JSON_KEYS}
    base.update(fields)
    base["source"] = {"file": file, "line": line}
    return base


def assert_record(fiche: Fiche, expected: dict[str, Any]) -> None:
    actual = fiche.to_json()
    assert tuple(actual) == JSON_KEYS
    for key in JSON_KEYS:  # one key at a time, for readable failures
        assert actual[key] == expected[key], key


def values_of(fiche: Fiche) -> list[str]:
    """Every string held by a record (text, lists), to check that some text went nowhere."""
    out: list[str] = []
    for key, value in fiche.to_json().items():
        if key == "source":
            continue
        if isinstance(value, list):
            out.extend(value)
        elif isinstance(value, str):
            out.append(value)
    return out


# --- the project's own sample -------------------------------------------------------------------------

SAMPLE = data("sample-export.txt")


def test_sample_export_reads_cleanly() -> None:
    fiches, problems = read(SAMPLE)
    assert problems == []
    assert [(f.source.line, f.titre, f.departement, f.annee) for f in fiches] == [
        (8, "Repair café du quartier", "Haute-Garonne", 2024),
        (55, "Sorties familles à la mer", "Haute-Garonne", 2023),
        (99, "Atelier numérique pour les seniors", "Tarn", 2024),
        (142, "Jardin partagé des Cordeliers", "Tarn", 2025),
        (180, "Accompagnement à la scolarité", "Haute-Garonne", 2024),
    ]
    assert_counts_add_up(SAMPLE, fiches, problems)


SAMPLE_RECORDS = [
    record(
        SAMPLE, 8,
        titre="Repair café du quartier",
        structure="Centre social Bellefontaine",
        departement="Haute-Garonne",
        statut="En cours",
        dimensions=["Citoyenneté"],
        mots_cles=["développement durable", "Solidarité"],
        initiative=["Un groupe d'habitants"],
        territoire="Un quartier",
        public=["Tous publics"],
        partenaires=["Association locale", "Commune"],
        resume=(
            "Un samedi par mois, des bénévoles bricoleurs aident les habitants à réparer leurs appareils "
            "électriques, leurs vélos et leurs vêtements plutôt que de les jeter."
        ),
        description_experience="Des habitants ont proposé l’idée lors de l’assemblée générale de 2023.",
        description_generale=(
            "Première séance en janvier 2024, puis un rendez-vous le deuxième samedi de chaque mois."
        ),
        ressources_financieres="300€ d'outillage",
        personnes_mobilisees="1 animateur, 6 bénévoles",
        resultat_territoire="Environ 40 objets réparés par séance.",
        resultat_centre_social="De nouveaux bénévoles, surtout des retraités du quartier.",
        resultat_habitants="Des économies et le plaisir d’apprendre à réparer soi-même.",
        limites="Le local est trop petit pour les vélos.",
        perspectives="Ouvrir un atelier vélo en partenariat avec la commune.",
        annee=2024,
    ),
    record(
        SAMPLE, 55,
        titre="Sorties familles à la mer",
        structure="Maison de quartier des Pradettes",
        departement="Haute-Garonne",
        statut="Terminée",
        raison_fin="Action estivale",
        dimensions=["Services"],
        mots_cles=["Parentalité", "vacances / loisirs"],
        initiative=["Le centre social"],
        territoire="Un quartier",
        public=["familles"],
        partenaires=["Caf"],
        resume="Trois sorties à la journée à Gruissan pour des familles qui ne partent pas en vacances.",
        description_experience=(
            "Les familles préparent elles-mêmes le budget et le programme :\n"
            "- choix de la plage\n"
            "- pique-nique partagé"
        ),
        ressources_financieres="1 800€ (transport en car)",
        personnes_mobilisees="2 professionnels, 4 bénévoles",
        annee=2023,
    ),
    record(
        SAMPLE, 142,
        titre="Jardin partagé des Cordeliers",
        structure="Espace de vie sociale L'Escale - Castres",
        departement="Tarn",
        statut="En cours",
        dimensions=["Accompagnement de projets"],
        mots_cles=["Environnement", "Mixité sociale"],
        initiative=["Un groupe d'habitants"],
        territoire="Un quartier",
        public=["Tous publics"],
        partenaires=["Bailleur social", "Commune"],
        resume="Un jardin partagé au pied des immeubles, cultivé par une quinzaine de foyers.",
        annee=2025,
    ),
    record(
        SAMPLE, 180,
        titre="Accompagnement à la scolarité",
        structure="Centre social « Les Arènes »",
        departement="Haute-Garonne",
        statut="En cours",
        dimensions=["Services"],
        mots_cles=["éducation / scolarité"],
        initiative=["Autre"],
        precision_initiative="Le collège du quartier",
        territoire="Plusieurs quartiers",
        public=["Jeunes"],
        partenaires=[],
        resume="Aide aux devoirs quatre soirs par semaine pour les collégiens, avec des bénévoles.",
        description_experience=(
            "Les enseignants constataient que beaucoup d’élèves n’avaient personne pour les aider le soir."
        ),
        description_generale="Inscriptions en septembre, bilan avec les familles en juin.",
        ressources_financieres="CLAS : 6 000€",
        personnes_mobilisees="1 référente, 12 bénévoles",
        resultat_habitants="Des parents plus à l’aise avec le collège.",
        limites="Pas assez de bénévoles en mathématiques.",
        perspectives="Poursuite de l'action",
        annee=2024,
    ),
]


@pytest.mark.parametrize("expected", SAMPLE_RECORDS, ids=lambda e: f"line{e['source']['line']}")
def test_sample_export_records(expected: dict[str, Any]) -> None:
    fiches, _ = read(SAMPLE)
    by_line = {f.source.line: f for f in fiches}
    assert_record(by_line[expected["source"]["line"]], expected)


# --- another département, two pages with listing tables, label variants -------------------------------

GIRONDE = data("gironde-two-pages.txt")
NBSP = "\u00a0"

GIRONDE_RECORDS = [
    # Title with « » and quotes; structure with quotes; résumé lines starting "Partenaires :" and "- "
    # (text, not labels, even "- Public visé : ..."); "(si autre)" without inner spaces; curly
    # apostrophes and a non-breaking space in the initiative label; "-   Seniors  " trimmed; the two
    # Territoire concerné differ; a Résultat holding only spaces is empty.
    record(
        GIRONDE, 5,
        titre='« Bien vieillir à Bègles » : le "Café des aidants"',
        structure='Centre social et culturel "L\'Estey"',
        departement="Gironde",
        statut="En cours",
        dimensions=["Services"],
        mots_cles=["Santé", "intergénérationnel"],
        initiative=["Un ou plusieurs partenaire(s)"],
        precision_initiative="La plateforme de répit du Sud-Gironde",
        territoire="Une commune\nPlusieurs communes",
        public=["Seniors", "familles"],
        partenaires=["CCAS", "Association locale"],
        resume=(
            "Un après-midi par mois, les aidants familiaux se retrouvent autour d’un café pour souffler et "
            f"échanger{NBSP}: fatigue, culpabilité, démarches.\n"
            "Partenaires : la plateforme de répit, le CCAS et l’hôpital de jour.\n"
            "- Ce temps est animé par une psychologue bénévole.\n"
            "- Public visé : les aidants de plus de 60 ans"
        ),
        description_experience="Les aidants nous disaient n’avoir « jamais un moment pour eux ».",
        # Blank lines around the text dropped, the one inside kept; trailing spaces removed.
        description_generale=(
            "Un groupe de parole mensuel, puis des sorties au printemps.\n"
            "\n"
            "Les séances ont lieu à la médiathèque."
        ),
        ressources_financieres="1 200€",
        personnes_mobilisees="1 psychologue bénévole, 1 animatrice",
        resultat_habitants="Les aidants se sentent moins seuls.",
        perspectives="Ouvrir un second groupe le samedi matin.",
        annee=2023,
    ),
    # Title in lower case; structure with " - " in its name; labels with odd spacing, curly apostrophes,
    # a missing leading dash ("Résumé"), lower and upper case; empty Dimension; a trailing space after
    # "- Public"; the page break that follows is not part of the Perspectives.
    record(
        GIRONDE, 60,
        titre="ateliers cuisine du mardi",
        structure="Maison de quartier du Tauzin - Bordeaux",
        departement="Gironde",
        statut="Terminée",
        raison_fin="Fin du financement",
        dimensions=[],
        mots_cles=["alimentation", "Mixité sociale"],
        initiative=["Un habitant"],
        territoire="Un quartier",
        public=["Adultes"],
        partenaires=["Caf"],
        resume="Chaque mardi, un habitant fait découvrir une recette de son pays aux autres participants.",
        description_generale="Douze ateliers entre janvier et juin.",
        limites="La cuisine du centre est trop petite.",
        perspectives="Reprendre à la rentrée si un nouveau financement est trouvé.",
        annee=2024,
    ),
    # Every label printed, every field empty, labels following each other.
    record(
        GIRONDE, 105,
        titre="Fête des voisins",
        structure="MJC Centre social de Cenon",
        departement="Gironde",
        annee=2022,
    ),
    record(
        GIRONDE, 130,
        titre="Permanence « accès aux droits »",
        structure='Centre social "Le Puzzle"',
        departement="Gironde",
        statut="En cours",
        dimensions=["Services"],
        mots_cles=["accès aux droits"],
        initiative=["Le centre social"],
        territoire="Plusieurs quartiers",  # the second Territoire concerné is empty
        public=["Tous publics"],
        partenaires=["Caf", "CPAM"],
        resume="Une permanence sans rendez-vous le jeudi pour les démarches CAF, retraite et logement.",
        annee=2025,
    ),
    # Not in its page's listing table: no year.
    record(
        GIRONDE, 166,
        titre="Café des parents",
        structure="Centre social La Colline",
        departement="Gironde",
        statut="En cours",
        mots_cles=["Parentalité"],
        initiative=["Le centre social"],
        territoire="Un quartier",  # the first Territoire concerné is empty
        public=["familles"],
        resume="Un café tous les vendredis à la sortie de l’école.",
        annee=None,
    ),
]


def _unlisted_year_warnings_only(problems: list[Problem]) -> None:
    """The only Problem allowed on gironde-two-pages.txt: a warning (the contract neither asks for nor
    forbids it) that "Café des parents" (Actions line 166, title line 167) has no row in its page's
    listing table."""
    for problem in problems:
        assert not problem.rejected, problem
        assert problem.line in (166, 167), problem


def test_gironde_two_pages_reads_every_fiche_without_problem() -> None:
    fiches, problems = read(GIRONDE)
    _unlisted_year_warnings_only(problems)
    assert [f.source.line for f in fiches] == [5, 60, 105, 130, 166]
    assert [f.annee for f in fiches] == [2023, 2024, 2022, 2025, None]
    assert_counts_add_up(GIRONDE, fiches, problems)


@pytest.mark.parametrize("expected", GIRONDE_RECORDS, ids=lambda e: f"line{e['source']['line']}")
def test_gironde_two_pages_records(expected: dict[str, Any]) -> None:
    fiches, _ = read(GIRONDE)
    by_line = {f.source.line: f for f in fiches}
    assert expected["source"]["line"] in by_line
    assert_record(by_line[expected["source"]["line"]], expected)


def test_gironde_page_header_and_listing_table_are_not_text() -> None:
    fiches, _ = read(GIRONDE)
    for fiche in fiches:
        for value in values_of(fiche):
            assert "Les actions des centres sociaux" not in value, fiche.titre
            assert "| Gironde |" not in value, fiche.titre
            assert "Nom | Département" not in value, fiche.titre


def test_gironde_free_text_that_looks_like_a_label_stays_text() -> None:
    fiches, _ = read(GIRONDE)
    first = fiches[0]
    assert "Partenaires : la plateforme de répit, le CCAS et l’hôpital de jour." in first.resume.split("\n")
    assert first.partenaires == ["CCAS", "Association locale"]


def test_source_file_is_the_path_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA.parent)
    fiches, problems = read("data/sample-export.txt")
    assert problems == []
    assert {f.source.file for f in fiches} == {"data/sample-export.txt"}
    missing = list(read_export("data/absent.txt"))
    assert [(p.file, p.line) for p in missing] == [("data/absent.txt", 0)]


# --- encodings and line ends --------------------------------------------------------------------------


def _same_records(variant: list[Fiche], plain: list[Fiche]) -> None:
    assert [f.content() for f in variant] == [f.content() for f in plain]
    assert [f.source.line for f in variant] == [f.source.line for f in plain]


@pytest.mark.parametrize(
    ("name", "encode"),
    [
        ("bom", lambda text: codecs.BOM_UTF8 + text.encode("utf-8")),
        ("crlf", lambda text: text.replace("\n", "\r\n").encode("utf-8")),
        ("bom-crlf", lambda text: codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode("utf-8")),
    ],
)
def test_bom_and_crlf_give_identical_records(tmp_path: Path, name: str, encode) -> None:
    for source in (GIRONDE, SAMPLE):
        text = Path(source).read_text(encoding="utf-8")
        variant = tmp_path / f"{name}-{Path(source).name}"
        variant.write_bytes(encode(text))
        plain_fiches, plain_problems = read(source)
        fiches, problems = read(str(variant))
        _same_records(fiches, plain_fiches)
        assert [(p.line, p.rejected) for p in problems] == [(p.line, p.rejected) for p in plain_problems]
        assert all(f.source.file == str(variant) for f in fiches)


def test_cp1252_gives_the_same_records_and_a_warning(tmp_path: Path) -> None:
    text = Path(GIRONDE).read_text(encoding="utf-8")
    variant = tmp_path / "gironde-cp1252.txt"
    variant.write_bytes(text.encode("cp1252"))
    plain_fiches, _ = read(GIRONDE)
    fiches, problems = read(str(variant))
    _same_records(fiches, plain_fiches)
    assert fiches[0].titre == '« Bien vieillir à Bègles » : le "Café des aidants"'
    warnings = [p for p in problems if has_words(p, "cp1252")]
    assert len(warnings) == 1
    assert not warnings[0].rejected
    assert warnings[0].file == str(variant)
    assert not [p for p in problems if p.rejected]


# --- cut-off exports ----------------------------------------------------------------------------------


def test_truncated_mid_fiche_keeps_the_cut_fiche_with_a_warning() -> None:
    path = data("truncated-mid-fiche.txt")
    fiches, problems = read(path)
    assert [f.titre for f in fiches] == ["Aide aux devoirs au collège", "Marché de producteurs"]
    assert_record(
        fiches[1],
        record(
            path, 39,
            titre="Marché de producteurs",
            structure="Centre social Saint-Martin",
            departement="Hérault",
            statut="En cours",
            dimensions=["Services"],
            mots_cles=["alimentation", "développement durable"],
            resume=(
                "Chaque jeudi soir, des producteurs locaux vendent leurs produits sur le parvis du centre "
                "social.\n"
                "Les habitants peuvent aussi y déposer leurs paniers de"
            ),
        ),
    )
    assert fiches[0].perspectives == "Continuer l'an prochain."
    truncated = [p for p in problems if has_any_word(p, "truncat")]
    assert len(truncated) == 1
    assert not truncated[0].rejected
    assert truncated[0].file == path
    assert truncated[0].line in (39, 54)  # the cut fiche's Actions line or the last line of the file
    assert not [p for p in problems if p.rejected]
    assert not [p for p in problems if p.line < 39], "the first, complete fiche has no problem"
    assert_counts_add_up(path, fiches, problems)


def test_truncated_mid_label_drops_the_cut_label() -> None:
    path = data("truncated-mid-label.txt")
    fiches, problems = read(path)
    assert len(fiches) == 1
    assert_record(
        fiches[0],
        record(
            path, 2,
            titre="Troc de graines",
            structure="Espace de vie sociale La Grange",
            departement="Ariège",
            statut="En cours",
            dimensions=["Citoyenneté"],
            mots_cles=["Environnement"],
            initiative=["Un groupe d'habitants"],
            territoire="Une commune",
            public=["Tous publics"],
            partenaires=["Association locale"],
            resume="Au printemps, les jardiniers du village échangent leurs semences et leurs plants.",
            description_generale="Un dimanche matin d’avril, sur la place de la mairie.",
            personnes_mobilisees="3 bénévoles",
            resultat_territoire="Une vingtaine de jardiniers amateurs se sont rencontrés.",
        ),
    )
    assert not [p for p in problems if p.rejected]
    assert [p for p in problems if has_any_word(p, "truncat")], "a warning says the fiche is truncated"
    assert [p for p in problems if p.line == 37], "a warning names the cut-off label's line (37)"
    assert all(p.file == path for p in problems)
    assert_counts_add_up(path, fiches, problems)


def test_truncated_before_the_structure_rejects_the_cut_fiche() -> None:
    path = data("truncated-before-structure.txt")
    fiches, problems = read(path)
    assert [(f.source.line, f.titre, f.departement) for f in fiches] == [(2, "Ludothèque itinérante", "Lot")]
    rejected = [p for p in problems if p.rejected]
    assert len(rejected) == 1
    assert rejected[0].file == path
    assert 38 <= rejected[0].line <= 40
    assert_counts_add_up(path, fiches, problems)


# --- rejected fiches ----------------------------------------------------------------------------------


def test_missing_title_rejects_the_fiche_and_goes_on() -> None:
    path = data("missing-title.txt")
    fiches, problems = read(path)
    assert [(f.source.line, f.titre) for f in fiches] == [
        (2, "Atelier couture"),
        (72, "Sortie au Pont du Gard"),
    ]
    rejected = [p for p in problems if p.rejected]
    assert len(rejected) == 1
    assert has_words(rejected[0], "missing title")
    assert rejected[0].file == path
    assert rejected[0].line in (37, 38)  # the Actions line (or the label that follows it)
    # Nothing of the rejected fiche leaks into its neighbours.
    last = fiches[1]
    assert last.structure == "Centre social Pissevin"
    assert last.statut == "Terminée"
    assert last.raison_fin == "Action ponctuelle"
    assert last.mots_cles == ["vacances / loisirs"]
    assert last.partenaires == ["Caf"]
    assert fiches[0].perspectives is None
    assert fiches[0].partenaires == []
    assert_counts_add_up(path, fiches, problems)


def test_unknown_departement_is_rejected_on_the_structure_line() -> None:
    path = data("unknown-departement.txt")
    fiches, problems = read(path)
    assert [(f.source.line, f.titre, f.structure, f.departement) for f in fiches] == [
        (38, "Chorale des quartiers", "Centre social Le Vernet", "Pyrénées-Orientales"),
        # departements.py matches names leniently; the value stays as written.
        (74, "Bourse aux vêtements", "Centre social Reynerie", "Haute Garonne"),
    ]
    rejected = [p for p in problems if p.rejected]
    assert len(rejected) == 1
    assert has_any_word(rejected[0], "département", "departement")
    assert rejected[0].line == 5
    assert rejected[0].file == path
    assert_counts_add_up(path, fiches, problems)


def test_structure_without_departement_is_rejected() -> None:
    path = data("missing-departement.txt")
    fiches, problems = read(path)
    assert [(f.source.line, f.structure, f.departement) for f in fiches] == [
        (38, "Centre social Les Tilleuls", "Loire-Atlantique")
    ]
    rejected = [p for p in problems if p.rejected]
    assert len(rejected) == 1
    assert has_any_word(rejected[0], "département", "departement", "structure")
    assert rejected[0].line == 5
    assert rejected[0].file == path
    assert_counts_add_up(path, fiches, problems)


# --- warnings on kept fiches --------------------------------------------------------------------------


def test_unknown_label_in_list_and_one_value_fields_is_reported_and_kept_apart() -> None:
    path = data("unknown-label.txt")
    fiches, problems = read(path)
    assert len(fiches) == 1
    fiche = fiches[0]
    assert fiche.statut == "Terminée"
    assert fiche.raison_fin == "Séjour d'une semaine"
    assert fiche.dimensions == ["Services"]
    assert fiche.public == ["familles"]
    assert fiche.partenaires == ["Caf"]
    assert fiche.ressources_financieres == "4 000€ (VACAF et autofinancement)"
    assert fiche.perspectives == "Refaire un séjour en 2025."
    for stray in ("Date de fin", "Date de début", "30/08/2024", "24/08/2024"):
        assert not [v for v in values_of(fiche) if stray in v], stray
    assert not [p for p in problems if p.rejected]
    by_line = {p.line: p for p in problems}
    assert 9 in by_line and 30 in by_line, [(p.line, p.message) for p in problems]
    assert has_words(by_line[9], "unknown label") and has_words(by_line[9], "Date de fin de l")
    assert has_words(by_line[30], "unknown label") and has_words(by_line[30], "Date de début de l")
    assert_counts_add_up(path, fiches, problems)


def test_repeated_label_is_kept_as_text_with_a_warning() -> None:
    path = data("repeated-label.txt")
    fiches, problems = read(path)
    assert len(fiches) == 1
    fiche = fiches[0]
    assert fiche.public == ["familles"]
    assert fiche.territoire == "Un quartier"
    assert fiche.resultat_habitants == (
        "Les parents osent davantage pousser la porte du collège.\n"
        "- Public\n"
        "Les pères sont venus plus nombreux que prévu."
    )
    assert fiche.perspectives == "Ouvrir le café aux parents de cinquième."
    assert not [p for p in problems if p.rejected]
    assert [p.line for p in problems] == [39]  # not the second "Territoire concerné" (line 30)
    assert_counts_add_up(path, fiches, problems)


def test_attached_file_is_left_out_with_a_warning() -> None:
    path = data("fichier-associe.txt")
    fiches, problems = read(path)
    assert len(fiches) == 1
    fiche = fiches[0]
    assert fiche.titre == "Exposition photo « Mon quartier »"
    assert fiche.structure == "Centre social Lille Sud"
    assert fiche.departement == "Nord"
    assert fiche.statut == "En cours"
    assert not [v for v in values_of(fiche) if "affiche-exposition" in v]
    assert len(problems) == 1
    assert not problems[0].rejected
    assert problems[0].line in (6, 7)
    assert_counts_add_up(path, fiches, problems)


# --- files that are not exports -----------------------------------------------------------------------


def test_empty_file_gives_a_problem_and_no_fiche() -> None:
    path = data("empty.txt")
    fiches, problems = read(path)
    assert fiches == []
    assert len(problems) == 1
    assert has_words(problems[0], "empty")
    assert problems[0].file == path
    assert problems[0].line == 0 or problems[0].line == 1


@pytest.mark.parametrize(
    "payload",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa",
        b"Les actions des centres sociaux\nActions\nTitre\x00\x00\x00\n"
        b"- Structure organisatrice\n\x00\x01\x02",
        bytes(range(256)) * 4,
    ],
    ids=["png", "text-with-nul", "all-bytes"],
)
def test_binary_file_gives_a_problem_without_crashing(tmp_path: Path, payload: bytes) -> None:
    path = tmp_path / "export.txt"
    path.write_bytes(payload)
    fiches, problems = read(str(path))
    assert fiches == []
    assert len(problems) == 1
    assert has_words(problems[0], "binary")
    assert problems[0].file == str(path)
    assert problems[0].line == 0


def test_missing_file_gives_a_problem_not_an_exception(tmp_path: Path) -> None:
    path = str(tmp_path / "absent.txt")
    fiches, problems = read(path)
    assert fiches == []
    assert len(problems) == 1
    assert has_any_word(problems[0], "not found", "no such", "does not exist")
    assert problems[0].file == path
    assert problems[0].line == 0


def test_directory_gives_a_problem_not_an_exception(tmp_path: Path) -> None:
    fiches, problems = read(str(tmp_path))
    assert fiches == []
    assert len(problems) == 1
    assert problems[0].file == str(tmp_path)


# --- several files ------------------------------------------------------------------------------------


def test_read_exports_goes_on_after_bad_files(tmp_path: Path) -> None:
    binary = tmp_path / "photo.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    missing = str(tmp_path / "absent.txt")
    paths = [SAMPLE, missing, str(binary), GIRONDE, data("empty.txt"), data("unknown-departement.txt")]
    items = list(read_exports(paths))
    fiches, problems = split(items)

    assert [(f.source.file, f.source.line) for f in fiches] == (
        [(SAMPLE, line) for line in (8, 55, 99, 142, 180)]
        + [(GIRONDE, line) for line in (5, 60, 105, 130, 166)]
        + [(data("unknown-departement.txt"), line) for line in (38, 74)]
    )
    # Items come file by file, in the order given.
    order = [paths.index(item.source.file if isinstance(item, Fiche) else item.file) for item in items]
    assert order == sorted(order)
    _unlisted_year_warnings_only([p for p in problems if p.file == GIRONDE])
    assert {p.file for p in problems} - {GIRONDE} == {
        missing, str(binary), data("empty.txt"), data("unknown-departement.txt"),
    }
    # (its line is checked by test_unknown_departement_is_rejected_on_the_structure_line)
    assert [p.rejected for p in problems if p.file == data("unknown-departement.txt")] == [True]
    # The years of one file do not leak into another.
    assert [f.annee for f in fiches if f.source.file == GIRONDE] == [2023, 2024, 2022, 2025, None]
    rejected = [p for p in problems if p.rejected]
    texts = [p for p in paths if Path(p).is_file() and p != str(binary)]
    assert len(fiches) + len(rejected) == sum(fiches_in(p) for p in texts)


def test_read_exports_of_nothing_yields_nothing() -> None:
    assert list(read_exports([])) == []


# --- every file: counts and problem lines -------------------------------------------------------------

# (file, fiches read, kept, rejected)
COUNTS = [
    ("sample-export.txt", 5, 5, 0),
    ("gironde-two-pages.txt", 5, 5, 0),
    ("truncated-mid-fiche.txt", 2, 2, 0),
    ("truncated-mid-label.txt", 1, 1, 0),
    ("truncated-before-structure.txt", 2, 1, 1),
    ("missing-title.txt", 3, 2, 1),
    ("unknown-departement.txt", 3, 2, 1),
    ("missing-departement.txt", 2, 1, 1),
    ("unknown-label.txt", 1, 1, 0),
    ("repeated-label.txt", 1, 1, 0),
    ("fichier-associe.txt", 1, 1, 0),
    ("empty.txt", 0, 0, 0),
]


def test_every_data_file_of_these_tests_exists() -> None:
    present = {p.name for p in DATA.iterdir()}
    assert {name for name, *_ in COUNTS} <= present


@pytest.mark.parametrize(("name", "read_", "kept", "rejected"), COUNTS, ids=[c[0] for c in COUNTS])
def test_counts_add_up(name: str, read_: int, kept: int, rejected: int) -> None:
    path = data(name)
    fiches, problems = read(path)
    assert fiches_in(path) == read_
    assert len(fiches) == kept
    assert len([p for p in problems if p.rejected]) == rejected
    assert kept + rejected == read_


@pytest.mark.parametrize("name", [c[0] for c in COUNTS if c[1]], ids=[c[0] for c in COUNTS if c[1]])
def test_every_problem_names_its_file_and_a_line(name: str) -> None:
    path = data(name)
    nlines = len(Path(path).read_text(encoding="utf-8").split("\n"))
    for item in read_export(path):
        if isinstance(item, Problem):
            assert item.file == path
            assert isinstance(item.line, int)
            assert 1 <= item.line <= nlines, item  # fiche-level problems: a real line
            assert isinstance(item.message, str) and item.message.strip()
            assert isinstance(item.rejected, bool)
        else:
            assert item.source.file == path
            assert Path(path).read_text(encoding="utf-8").split("\n")[item.source.line - 1] == "Actions"


# --- found by fuzzing (tests/graph/test_export_fuzz.py, benchmarks/fuzz_parser.py) ---------------------
# Each test holds the smallest input that showed the bug.

FICHE = "Actions\nT\n- Structure organisatrice\n- Centre - Nord\n"


def read_bytes(data: bytes) -> tuple[list[Fiche], list[Problem]]:
    return split(list(read_export_bytes(data, "fuzz.txt")))


def test_bytes_are_read_as_a_file_of_these_bytes_is(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_bytes(Path(SAMPLE).read_bytes())
    assert list(read_export_bytes(path.read_bytes(), str(path))) == list(read_export(path))


@pytest.mark.parametrize("structure", ["- --", "--", "- - -", "-\t-"])
def test_structure_of_dashes_only_is_rejected_not_a_crash(structure: str) -> None:
    # Was: RuntimeError "generator raised StopIteration" (the structure's line was looked up with another
    # notion of "empty" than its value).
    fiches, problems = read_bytes(f"Actions\nT\n- Structure organisatrice\n{structure}\n".encode())
    assert fiches == []
    rejected = [p for p in problems if p.rejected]
    assert len(rejected) == 1 and rejected[0].line == 4
    assert has_words(rejected[0], "no département")


@pytest.mark.parametrize(
    "before",
    ["\xa0- ", "\x0c- ", "\u3000", "\u2009- ", "\t -"],
    ids=["no-break space", "form feed", "ideographic space", "thin space", "tab"],
)
def test_labels_after_odd_leading_spacing_are_labels(before: str) -> None:
    # Was: the cheap test on a line's first letters only skipped spaces, tabs and dashes, so a label after
    # a no-break space or a form feed was text (here: no structure, the fiche rejected).
    text = f"Actions\nT\n{before}Structure organisatrice\n- Centre - Nord\n{before}Public\n- familles\n"
    fiches, problems = read_bytes(text.encode())
    assert [(f.structure, f.public) for f in fiches] == [("Centre", ["familles"])]
    assert not [p for p in problems if p.rejected]


def test_labels_with_decomposed_accents_are_labels() -> None:
    # Was: "Re\u0301sume\u0301" (NFD, as macOS writes) failed the first-letters test: its text went into
    # the structure field.
    text = unicodedata.normalize("NFD", FICHE + "- Résumé\nUn texte.\n- PRÉCISION ( SI AUTRE )\nrien\n")
    fiches, _ = read_bytes(text.encode())
    assert [(f.structure, f.resume, f.precision_initiative) for f in fiches] == [
        ("Centre", "Un texte.", "rien")
    ]


def test_a_bulleted_label_is_never_the_title() -> None:
    # Was: with no title, "- Public" became the title and the fiche was kept, its public lost.
    fiches, problems = read_bytes(b"Actions\n- Public\n- familles\n- Structure organisatrice\n- C - Nord\n")
    assert fiches == []
    assert [p.message for p in problems if p.rejected] == ["missing title: a label follows the Actions line"]


def test_a_bare_label_word_can_still_be_a_title() -> None:
    fiches, _ = read_bytes(b"Actions\nPublic\n- Structure organisatrice\n- C - Nord\n- Public\n- familles\n")
    assert [(f.titre, f.public) for f in fiches] == [("Public", ["familles"])]


TEXT_FICHE = "Actions\nA\n- Structure organisatrice\n- C - Nord\n- Résumé\ntexte\n"


@pytest.mark.parametrize(
    ("cut", "next_line"),
    [
        ("Actions\nB\n", "Actions"),  # cut after its title, the next fiche follows
        ("Actions\n", "Actions"),  # cut after its Actions line
        ("Actions\nB\n", PAGE_HEADER),  # cut by the end of the page
    ],
    ids=["after-title", "after-marker", "before-page-header"],
)
def test_a_fiche_cut_short_does_not_go_into_the_text_of_the_one_before(cut: str, next_line: str) -> None:
    # Was: its Actions line and title were read as lines of the résumé before ("texte\nActions\nB"): text
    # of one fiche in another, and a fiche neither kept nor rejected.
    rest = "\nT\n- Structure organisatrice\n- D - Nord\n" if next_line == "Actions" else "\n"
    fiches, problems = read_bytes((TEXT_FICHE + cut + next_line + rest).encode())
    assert fiches[0].resume == "texte"
    rejected = [p for p in problems if p.rejected]
    assert len(rejected) == 1 and rejected[0].line == 7
    assert len(fiches) + len(rejected) == (3 if next_line == "Actions" else 2)


def test_after_a_fiche_with_only_a_title_an_actions_line_starts_a_fiche() -> None:
    # Before its first label a fiche has no field an Actions line could belong to.
    fiches, problems = read_bytes(b"Actions\nA\nActions\nB\nune ligne\n")
    assert fiches == []
    assert [(p.line, p.rejected) for p in problems if p.rejected] == [(1, True), (3, True)]


def test_an_actions_line_inside_a_text_stays_text() -> None:
    # The rule the fixes above keep: "Actions" followed by text is a line of the text.
    fiches, _ = read_bytes((TEXT_FICHE + "Actions\n- atelier cuisine\n- sorties\n").encode())
    assert [f.resume for f in fiches] == ["texte\nActions\n- atelier cuisine\n- sorties"]


def test_a_title_with_a_bar_finds_its_row_in_the_listing_table() -> None:
    # Was: the table's cells are trimmed ("a|b") but the title was not ("a | b"): no year, and a warning.
    header = f"{PAGE_HEADER}\nNom | Département | Année |\na | b | Nord | 2024 |\n"
    fiche = "Actions\na | b\n- Structure organisatrice\n- C - Nord\n"
    fiches, problems = read_bytes((header + fiche).encode())
    assert [(f.titre, f.annee) for f in fiches] == [("a | b", 2024)]
    assert not [p for p in problems if has_words(p, "listing table")]


@pytest.mark.parametrize("year", ["0123", "0000"])
def test_a_year_has_four_digits(year: str) -> None:
    # Was: "0123" gave the year 123, written "123"^^xsd:gYear, which is no gYear (the shapes let it by).
    header = f"{PAGE_HEADER}\nNom | Département | Année |\nT | Nord | {year} |\n"
    fiches, _ = read_bytes((header + FICHE).encode())
    assert [f.annee for f in fiches] == [None]


def test_a_bom_file_with_a_bad_byte_is_read_as_utf8() -> None:
    # Was: read as cp1252, the BOM became "ï»¿" in front of the first Actions line: the fiche was lost as
    # "lines outside any fiche", and every accent of the file garbled.
    data = codecs.BOM_UTF8 + (FICHE + "- Résumé\nun \udcff là\n").encode("utf-8", errors="surrogateescape")
    fiches, problems = read_bytes(data)
    assert [(f.titre, f.resume) for f in fiches] == [("T", "un \ufffd là")]
    assert [p.line for p in problems if has_words(p, "BOM", "replaced")] == [0]
    assert not [p for p in problems if p.rejected]
