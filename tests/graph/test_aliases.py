"""One name per thing: spelling variants of a controlled value meet on one concept, unknown values are
reported (never dropped), and structures whose names are only similar are reported, not merged."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from maillage.graph.aliases import similar_names, spelling_key
from maillage.graph.build import build_dataset
from maillage.graph.export import Problem, read_exports
from maillage.graph.record import Fiche
from maillage.graph.vocabulary import Vocabulary

BASE = "https://w3id.org/maillage/"
MLG = "https://w3id.org/maillage/ontologie#"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Familles", "famille"),
        ("Démocratie & citoyenneté", "DEMOCRATIE ET CITOYENNETE"),
        ("Tous publics", "tous public"),
        ("Parentalité", "parentalite"),
        ("Jeunes adultes", "jeune adulte"),
        ("  Vacances / loisirs ", "vacances-loisirs"),
    ],
)
def test_spellings_of_one_value_share_a_key(first: str, second: str) -> None:
    assert spelling_key(first) == spelling_key(second)


@pytest.mark.parametrize(
    ("first", "second"), [("CCAS", "CCA"), ("Jeunes", "Jeux"), ("Santé", "Sante publique")]
)
def test_different_values_keep_different_keys(first: str, second: str) -> None:
    assert spelling_key(first) != spelling_key(second)


def test_similar_structure_names_are_paired_and_distinct_ones_not() -> None:
    pairs = similar_names(
        ["Centre social Azimut", "Centre Social Azimuth", "Centre social Espoir", "CENTRE SOCIAL AZIMUT"]
    )
    assert [(p.first, p.second) for p in pairs] == [("CENTRE SOCIAL AZIMUT", "Centre Social Azimuth")]
    assert 0.88 <= pairs[0].ratio < 1


def test_every_spelling_of_the_reviewed_schemes_names_one_concept() -> None:
    """Loading the alias table refuses a spelling that two concepts of one scheme claim."""
    vocabulary = Vocabulary(BASE)
    concept, minted = vocabulary.concept("mots_cles", "SOLIDARITES")
    assert minted == [] and concept.value == BASE + "concept/mots-cles/solidarite"
    concept, minted = vocabulary.concept("public", "tous public")
    assert minted == [] and concept.value.startswith(BASE + "concept/publics/")


def test_a_spelling_claimed_by_two_concepts_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from maillage import ontology

    clash = tmp_path / "mots-cles.ttl"
    clash.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        '<concept/mots-cles/a> skos:inScheme <concept/mots-cles> ; skos:prefLabel "Jardins"@fr .\n'
        '<concept/mots-cles/b> skos:inScheme <concept/mots-cles> ; skos:altLabel "jardin"@fr .\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(ontology, "concept_files", lambda: [clash])
    with pytest.raises(ValueError, match=r"mots-cles\.ttl: the spelling 'jardin' names both"):
        Vocabulary(BASE)


def _variant(seed: Path, out: Path, structure: str, title: str, replacements: dict[str, str]) -> Path:
    """The seed's first fiche under another structure spelling and title, with its values respelled."""
    lines = seed.read_text(encoding="utf-8").splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.strip() == "Actions"]
    fiche = lines[starts[0] : starts[1]]
    fiche[1] = title + "\n"
    fiche[3] = f"- {structure} - Haute-Garonne\n"
    text = "".join(fiche)
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    out.write_text(text, encoding="utf-8")
    return out


def test_variant_spellings_merge_and_an_unknown_one_is_reported(seed: Path, tmp_path: Path) -> None:
    respelled = _variant(
        seed,
        tmp_path / "variantes.txt",
        "MAISON DES HABITANTS DE LEGUEVIN",  # same structure: case and accent aside
        "Gratuiterie de printemps",
        {
            "- Solidarité\n": "- SOLIDARITES\n",
            "- Démocratie & citoyenneté\n": "- democratie et citoyennete\n- Jardinage urbain expérimental\n",
            "- développement durable\n": "- Développements durables\n",
            "- Tous publics\n": "- tous public\n",
            "- Autre\n": "- autres\n",
        },
    )
    similar = _variant(
        seed, tmp_path / "proche.txt", "Maison des Habitants de Leguevinn", "Troc de jouets", {}
    )
    problems: list[Problem] = []
    fiches = [item for item in read_exports([seed, respelled, similar]) if isinstance(item, Fiche)]
    result = build_dataset(
        fiches, tmp_path / "out", files=[str(seed), str(respelled), str(similar)], report=problems.append
    )
    assert result.actions == 27

    store = ox.Store()
    store.bulk_load(path=tmp_path / "out" / "graph.nt", format=ox.RdfFormat.N_TRIPLES)

    def values(title: str, prop: str) -> set[str]:
        query = (
            f"""SELECT ?v WHERE {{ ?a <http://purl.org/dc/terms/title> "{title}"@fr ; <{MLG}{prop}> ?v }}"""
        )
        return {row["v"].value for row in store.query(query)}

    original = values("GRATUITERIE", "motCle")
    variant = values("Gratuiterie de printemps", "motCle")
    unknown = BASE + "concept/mots-cles/jardinage-urbain-experimental"
    assert variant == original | {unknown}
    assert values("Gratuiterie de printemps", "public") == values("GRATUITERIE", "public")
    assert values("Gratuiterie de printemps", "typePartenaire") == values("GRATUITERIE", "typePartenaire")
    # one structure for both spellings; the similar name is its own structure, reported
    assert values("Gratuiterie de printemps", "structureOrganisatrice") == values(
        "GRATUITERIE", "structureOrganisatrice"
    )
    assert values("Troc de jouets", "structureOrganisatrice") != values(
        "GRATUITERIE", "structureOrganisatrice"
    )
    # the unknown value is kept as an unreviewed concept and reported once, where it was read
    assert next(
        store.quads_for_pattern(
            ox.NamedNode(unknown),
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode(MLG + "ConceptNonRevu"),
        ),
        None,
    )
    reported = [p for p in problems if "no reviewed scheme" in p.message]
    assert [(Path(p.file).name, "Jardinage urbain expérimental" in p.message) for p in reported] == [
        ("variantes.txt", True)
    ]
    assert reported[0].line == 1  # the fiche's first line in the variant file
    near = [p for p in problems if "looks like" in p.message]
    assert len(near) == 1 and "Leguevinn" in near[0].message and Path(near[0].file).name == "proche.txt"
