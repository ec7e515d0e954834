"""The graph build: determinism, IRI stability, merges, and what a researcher can query."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from maillage.graph.build import NTRIPLES, build_dataset, read_metadata
from maillage.graph.export import Problem, read_export
from maillage.graph.record import Fiche

BASE = "https://w3id.org/maillage/"
PREFIXES = """
PREFIX mlg: <https://w3id.org/maillage/ontologie#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def fiches_of(path: Path) -> list[Fiche]:
    return [item for item in read_export(path) if isinstance(item, Fiche)]


def build(fiches: list[Fiche], out: Path, **kwargs) -> tuple[Path, list[Problem]]:
    problems: list[Problem] = []
    build_dataset(fiches, out, report=problems.append, **kwargs)
    return out, problems


def select(folder: Path, query: str) -> list[dict[str, str]]:
    store = ox.Store.read_only(str(folder / "store"))
    return [
        {var.value: row[var].value for var in rows.variables if row[var] is not None}
        for rows in [store.query(PREFIXES + query)]
        for row in rows
    ]


def action_iris(folder: Path) -> dict[tuple[str, str], str]:
    """(structure, title) -> action IRI, read back from the store."""
    rows = select(
        folder,
        """
        SELECT ?a ?title ?name WHERE {
          ?a a mlg:Action ; dct:title ?title ; mlg:structureOrganisatrice/rdfs:label ?name }""",
    )
    return {(row["name"], row["title"]): row["a"] for row in rows}


def test_seed_graph_holds_25_actions(seed_dataset: Path) -> None:
    rows = select(seed_dataset, "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a mlg:Action }")
    assert rows == [{"n": "25"}]
    metadata = read_metadata(seed_dataset)
    assert (metadata.kept, metadata.merged, metadata.actions) == (25, 0, 25)
    assert metadata.triples == sum(1 for _ in (seed_dataset / NTRIPLES).open())


def test_fiche_values_are_concepts_with_french_labels(seed_dataset: Path) -> None:
    """'Jardin collectif' (LABO BINETTE): every controlled value reachable as a labelled concept."""
    rows = select(
        seed_dataset,
        """
        SELECT ?property ?label ?scheme WHERE {
          ?a dct:title "Jardin collectif"@fr ; ?property ?concept .
          ?concept a skos:Concept ; skos:prefLabel ?label ; skos:inScheme ?scheme .
          FILTER(LANG(?label) = "fr") }""",
    )
    got = {(row["property"].rsplit("#", 1)[1], row["label"], row["scheme"].rsplit("/", 1)[1]) for row in rows}
    assert got == {
        ("motCle", "Solidarité", "mots-cles"),
        ("motCle", "Développement durable", "mots-cles"),
        ("motCle", "Mixité sociale", "mots-cles"),
        ("initiateur", "Un groupe d'habitants", "initiateurs"),
        ("echelleTerritoriale", "Une commune", "echelles-territoriales"),
        ("public", "Adultes", "publics"),
        ("typePartenaire", "Caf", "types-partenaires"),
        ("typePartenaire", "Commune", "types-partenaires"),
        ("statut", "En cours", "statuts"),
    }


def test_dimension_and_status_of_a_fiche(seed_dataset: Path) -> None:
    rows = select(
        seed_dataset,
        """
        PREFIX schema: <https://schema.org/>
        SELECT ?dimension ?status WHERE {
          ?a dct:title "GRATUITERIE"@fr ; mlg:dimension/skos:prefLabel ?dimension ;
             schema:actionStatus ?status . FILTER(LANG(?dimension) = "fr") }""",
    )
    assert rows == [{"dimension": "Citoyenneté", "status": "https://schema.org/ActiveActionStatus"}]


def test_seed_values_are_all_reviewed_concepts(seed_dataset: Path) -> None:
    """Every controlled value of the seed is in a reviewed scheme: no concept minted as not reviewed."""
    assert select(seed_dataset, "SELECT ?c WHERE { ?c a mlg:ConceptNonRevu }") == []


def test_action_links_to_its_source_file_and_line(seed_dataset: Path) -> None:
    rows = select(
        seed_dataset,
        """
        SELECT ?file ?line WHERE {
          ?a dct:title "Jardin collectif"@fr ; foaf:isPrimaryTopicOf/mlg:extrait ?extract .
          ?extract mlg:ligne ?line ; dct:isPartOf/dct:title ?file }""",
    )
    assert rows == [{"file": "senacs-haute-garonne.txt", "line": "252"}]


def test_departement_is_keyed_by_insee_code(seed_dataset: Path) -> None:
    rows = select(
        seed_dataset,
        """
        PREFIX igeo: <http://rdf.insee.fr/def/geo#>
        SELECT DISTINCT ?d ?code ?insee WHERE {
          ?a a mlg:Action ; mlg:departement ?d . ?d igeo:codeINSEE ?code ; skos:closeMatch ?insee }""",
    )
    assert rows == [
        {
            "d": BASE + "territoire/departement/31",
            "code": "31",
            "insee": "http://id.insee.fr/geo/departement/31",
        }
    ]


def test_free_text_keeps_its_french_tag(seed_dataset: Path) -> None:
    rows = select(
        seed_dataset,
        """
        SELECT (COUNT(*) AS ?untagged) WHERE {
          ?a a mlg:Action ; ?p ?text . FILTER(isLiteral(?text) && LANG(?text) != "fr") }""",
    )
    assert rows == [{"untagged": "0"}]


def test_two_builds_are_byte_identical(seed: Path, tmp_path: Path) -> None:
    fiches = fiches_of(seed)
    first, _ = build(fiches, tmp_path / "a")
    second, _ = build(fiches_of(seed), tmp_path / "b")
    for name in ("graph.nt", "graph.ttl", "graph.jsonld", "fiches.jsonl", "build.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    lines = (first / NTRIPLES).read_text(encoding="utf-8").splitlines()
    assert lines == sorted(set(lines))
    assert "_:" not in (first / NTRIPLES).read_text(encoding="utf-8")


def test_worker_processes_write_the_same_files(seed: Path, tmp_path: Path) -> None:
    """Mapping in worker processes and the Turtle and JSON-LD dumps written by workers from the blocks of
    the N-Triples dump as it is written: every published file is the one a build in one process writes."""
    serial, _ = build(fiches_of(seed), tmp_path / "serial", workers=0)
    parallel, _ = build(fiches_of(seed), tmp_path / "parallel", workers=2)
    names = sorted(path.name for path in serial.iterdir() if path.is_file() and path.suffix != ".sqlite")
    assert {"graph.ttl", "graph.jsonld", "graph.nt.gz", "catalogue.ttl", "SHA256SUMS"} <= set(names)
    for name in names:
        assert (serial / name).read_bytes() == (parallel / name).read_bytes(), name


def test_iris_do_not_depend_on_file_order_or_on_other_fiches(seed: Path, tmp_path: Path) -> None:
    fiches = fiches_of(seed)
    reference = action_iris(build(fiches, tmp_path / "ref")[0])
    assert len(reference) == 25 and len(set(reference.values())) == 25

    reordered = action_iris(build(list(reversed(fiches)), tmp_path / "reversed")[0])
    assert reordered == reference

    extra = Fiche(
        titre="Nouvelle action",
        structure="LABO BINETTE",
        departement="Haute-Garonne",
        statut="En cours",
        source=fiches[0].source,
    )
    grown = action_iris(build([*fiches[:10], extra, *fiches[10:]], tmp_path / "grown")[0])
    assert {key: iri for key, iri in grown.items() if key in reference} == reference
    assert grown[("LABO BINETTE", "Nouvelle action")] == BASE + "action/31/labo-binette/nouvelle-action"


def test_exact_duplicate_is_merged_and_reported(seed: Path, tmp_path: Path) -> None:
    fiches = fiches_of(seed)
    twin = Fiche.from_json({**fiches[3].to_json(), "source": {"file": "autre-export.txt", "line": 7}})
    folder, problems = build([*fiches, twin], tmp_path / "dup")
    assert read_metadata(folder).merged == 1
    assert read_metadata(folder).actions == 25
    assert [p.message for p in problems if "duplicate" in p.message] == [
        f"exact duplicate of the fiche at {fiches[3].source.file}:{fiches[3].source.line}: merged"
    ]
    rows = select(
        folder,
        f"""
        SELECT ?file ?line WHERE {{
          ?a dct:title {json.dumps(fiches[3].titre)}@fr ; foaf:isPrimaryTopicOf/mlg:extrait ?x .
          ?x mlg:ligne ?line ; dct:isPartOf/dct:title ?file }} ORDER BY ?file""",
    )
    assert rows == [
        {"file": "autre-export.txt", "line": "7"},
        {"file": "senacs-haute-garonne.txt", "line": str(fiches[3].source.line)},
    ]


def test_same_identity_different_content_gets_two_iris(seed: Path, tmp_path: Path) -> None:
    fiches = fiches_of(seed)
    variant = Fiche.from_json({**fiches[0].to_json(), "resume": "Une autre version du résumé."})
    folder, problems = build([fiches[0], variant], tmp_path / "clash")
    iris = select(folder, "SELECT ?a WHERE { ?a a mlg:Action } ORDER BY ?a")
    assert len(iris) == 2
    assert all(
        row["a"].startswith(BASE + "action/31/maison-des-habitants-de-leguevin/gratuiterie-") for row in iris
    )
    assert sum("same structure, title and year" in p.message for p in problems) == 2


def test_unknown_controlled_value_becomes_an_unreviewed_concept(seed: Path, tmp_path: Path) -> None:
    fiche = Fiche.from_json({**fiches_of(seed)[0].to_json(), "mots_cles": ["Numérique", "Solidarité"]})
    folder, _ = build([fiche], tmp_path / "new")
    rows = select(
        folder,
        """
        SELECT ?c ?label WHERE { ?a mlg:motCle ?c . ?c a mlg:ConceptNonRevu ; skos:prefLabel ?label }""",
    )
    assert rows == [{"c": BASE + "concept/mots-cles/numerique", "label": "Numérique"}]


def test_base_iri_is_applied_everywhere(seed: Path, tmp_path: Path) -> None:
    base = "https://data.example.org/senacs/"
    folder, _ = build(fiches_of(seed), tmp_path / "base", base_iri=base)
    text = (folder / NTRIPLES).read_text(encoding="utf-8")
    assert "<https://w3id.org/maillage/action/" not in text
    assert "<https://w3id.org/maillage/concept/" not in text
    assert f"<{base}concept/mots-cles/parentalite>" in text
    assert "<https://w3id.org/maillage/organisation/" not in text
    assert f"<{base}organisation/31/caf>" in text
    assert select(folder, "SELECT (COUNT(*) AS ?n) WHERE { ?a a mlg:Action }") == [{"n": "25"}]


@pytest.mark.parametrize("name", ["graph.ttl", "graph.jsonld"])
def test_other_dumps_hold_the_same_triples(seed_dataset: Path, name: str) -> None:
    reference = ox.Store()
    reference.load(path=seed_dataset / NTRIPLES, format=ox.RdfFormat.N_TRIPLES)
    other = ox.Store()
    fmt = ox.RdfFormat.TURTLE if name.endswith(".ttl") else ox.RdfFormat.JSON_LD
    other.load(path=seed_dataset / name, format=fmt)
    assert len(other) == len(reference)
    assert set(other) == set(reference)


def test_a_thing_spelled_two_ways_gets_one_label_whatever_the_order(seed: Path, tmp_path: Path) -> None:
    """Structure and new keyword spelled differently across fiches: the most frequent spelling wins."""
    fiches = fiches_of(seed)
    binette = next(f for f in fiches if f.structure == "LABO BINETTE")
    variants = [
        Fiche.from_json({**binette.to_json(), "titre": title, "structure": name, "mots_cles": [keyword]})
        for title, name, keyword in [
            ("Atelier un", "Labo Binette", "numérique"),
            ("Atelier deux", "Labo Binette", "Numérique"),
            ("Atelier trois", "LABO BINETTE", "Numérique"),
        ]
    ]
    for order, name in [(variants, "forward"), (list(reversed(variants)), "backward")]:
        folder, _ = build(order, tmp_path / name)
        rows = select(
            folder,
            """
            SELECT ?label ?alt WHERE { ?s a mlg:Structure ; rdfs:label ?label ; skos:altLabel ?alt }""",
        )
        assert rows == [{"label": "Labo Binette", "alt": "LABO BINETTE"}], name
        rows = select(
            folder,
            """
            SELECT ?label ?alt WHERE {
              ?c a mlg:ConceptNonRevu ; skos:prefLabel ?label ; skos:altLabel ?alt }""",
        )
        assert rows == [{"label": "Numérique", "alt": "numérique"}], name
        assert (folder / "graph.nt").read_bytes() == (tmp_path / "forward" / "graph.nt").read_bytes()
        from maillage.graph.validate import validate_dataset

        assert validate_dataset(folder) == []


# --------------------------------------------------------------------------------------------------
# Partner organisations: a kind that counts one organisation per département names that organisation
# --------------------------------------------------------------------------------------------------

ORG_PREFIX = "PREFIX org: <http://www.w3.org/ns/org#>\n"
KINDS = BASE + "concept/types-partenaires/"
DATA = Path(__file__).resolve().parents[1] / "data"
KIND_NOTATIONS = [
    "caf",
    "msa",
    "carsat",
    "cpam",
    "commune",
    "conseil-departemental",
    "etat",
    "association-locale",
    "association-nationale",
    "regroupement-de-communes",
    "autre",
]


def organisations(folder: Path) -> dict[str, tuple[str, str, str, int]]:
    """Organisation IRI -> (label, kind, département, number of actions linked to it)."""
    rows = select(
        folder,
        ORG_PREFIX
        + """
        SELECT ?o ?label ?kind ?dep (COUNT(DISTINCT ?a) AS ?n) WHERE {
          ?o a mlg:Partenaire ; rdfs:label ?label ; org:classification ?kind ; mlg:departement ?dep .
          OPTIONAL { ?a mlg:partenaire ?o }
        } GROUP BY ?o ?label ?kind ?dep""",
    )
    return {row["o"]: (row["label"], row["kind"], row["dep"], int(row["n"])) for row in rows}


def test_seed_partner_organisations(seed_dataset: Path) -> None:
    """The six departmental kinds the seed declares give six organisations of Haute-Garonne."""
    dep = BASE + "territoire/departement/31"
    assert organisations(seed_dataset) == {
        BASE + "organisation/31/caf": ("Caf (Haute-Garonne)", KINDS + "caf", dep, 5),
        BASE + "organisation/31/msa": ("MSA (Haute-Garonne)", KINDS + "msa", dep, 3),
        BASE + "organisation/31/carsat": ("CARSAT (Haute-Garonne)", KINDS + "carsat", dep, 2),
        BASE + "organisation/31/cpam": ("CPAM (Haute-Garonne)", KINDS + "cpam", dep, 1),
        BASE + "organisation/31/conseil-departemental": (
            "Conseil départemental (Haute-Garonne)",
            KINDS + "conseil-departemental",
            dep,
            2,
        ),
        BASE + "organisation/31/etat": ("Préfecture (Haute-Garonne)", KINDS + "etat", dep, 1),
    }
    rows = select(seed_dataset, "SELECT (COUNT(*) AS ?n) WHERE { ?a mlg:partenaire ?o }")
    assert rows == [{"n": "14"}]


def test_partner_organisation_agrees_with_declared_kind(seed_dataset: Path) -> None:
    """An action's organisations: those of its département for its departmental kinds, and nothing else."""
    via_organisation = select(
        seed_dataset,
        ORG_PREFIX
        + """
        SELECT ?a ?k ?o WHERE {
          ?a mlg:partenaire ?o . ?o org:classification ?k ; mlg:departement ?d . ?a mlg:departement ?d }""",
    )
    via_kind = select(
        seed_dataset,
        """
        SELECT ?a ?k WHERE { ?a mlg:typePartenaire ?k . ?k mlg:organisationDepartementale true }""",
    )
    assert len(via_organisation) == 14
    assert {(row["a"], row["k"]) for row in via_organisation} == {(row["a"], row["k"]) for row in via_kind}
    # every action has at most one organisation per kind, and every mlg:partenaire is explained above
    assert len({(row["a"], row["k"]) for row in via_organisation}) == len(via_organisation)
    total = select(seed_dataset, "SELECT (COUNT(*) AS ?n) WHERE { ?a mlg:partenaire ?o }")
    assert total == [{"n": str(len(via_organisation))}]


def test_generic_kinds_stay_kinds(seed_dataset: Path) -> None:
    """Commune, Association locale, Autre… get no organisation; their kind links are untouched."""
    generic = ["commune", "association-locale", "association-nationale", "regroupement-de-communes", "autre"]
    classified = select(
        seed_dataset, ORG_PREFIX + "SELECT DISTINCT ?k WHERE { ?o a mlg:Partenaire ; org:classification ?k }"
    )
    assert {row["k"] for row in classified} == {
        KINDS + kind for kind in ["caf", "msa", "carsat", "cpam", "conseil-departemental", "etat"]
    }
    assert not {row["k"] for row in classified} & {KINDS + kind for kind in generic}
    rows = select(
        seed_dataset,
        """
        SELECT ?k (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a mlg:typePartenaire ?k } GROUP BY ?k""",
    )
    assert {row["k"].removeprefix(KINDS): int(row["n"]) for row in rows} == {
        "association-locale": 6,
        "autre": 5,
        "caf": 5,
        "commune": 4,
        "msa": 3,
        "carsat": 2,
        "conseil-departemental": 2,
        "regroupement-de-communes": 1,
        "etat": 1,
        "association-nationale": 1,
        "cpam": 1,
    }


def test_seed_graph_with_organisations_conforms_to_the_shapes(seed_dataset: Path) -> None:
    from maillage.graph.validate import validate_dataset

    assert validate_dataset(seed_dataset) == []


def test_organisations_are_per_departement(seed: Path, tmp_path: Path) -> None:
    """The Caf of Gironde is not the Caf of Haute-Garonne; an unreviewed kind (CCAS) names no organisation."""
    fiches = [*fiches_of(seed), *fiches_of(DATA / "gironde-two-pages.txt")]
    folder, _ = build(fiches, tmp_path / "two-departements")
    found = organisations(folder)
    gironde = BASE + "territoire/departement/33"
    assert {iri: value for iri, value in found.items() if value[2] == gironde} == {
        BASE + "organisation/33/caf": ("Caf (Gironde)", KINDS + "caf", gironde, 2),
        BASE + "organisation/33/cpam": ("CPAM (Gironde)", KINDS + "cpam", gironde, 1),
    }
    assert found[BASE + "organisation/31/caf"][::3] == ("Caf (Haute-Garonne)", 5)
    assert len(found) == 8
    # the CCAS is a kind no scheme holds yet: a concept marked not reviewed, never an organisation
    rows = select(
        folder,
        ORG_PREFIX
        + """
        SELECT ?k ?o WHERE { ?a mlg:typePartenaire ?k . ?k a mlg:ConceptNonRevu .
                             OPTIONAL { ?o org:classification ?k } }""",
    )
    assert rows == [{"k": KINDS + "ccas"}]
    from maillage.graph.validate import validate_dataset

    assert validate_dataset(folder) == []


def test_prefecture_is_the_state_kind(seed: Path, tmp_path: Path) -> None:
    """A fiche saying "Préfecture" declares the kind État, hence the préfecture of its département."""
    fiche = Fiche.from_json({**fiches_of(seed)[0].to_json(), "partenaires": ["Préfecture", "Commune"]})
    folder, _ = build([fiche], tmp_path / "prefecture")
    rows = select(folder, "SELECT ?k WHERE { ?a mlg:typePartenaire ?k } ORDER BY ?k")
    assert rows == [{"k": KINDS + "commune"}, {"k": KINDS + "etat"}]
    assert organisations(folder) == {
        BASE + "organisation/31/etat": (
            "Préfecture (Haute-Garonne)",
            KINDS + "etat",
            BASE + "territoire/departement/31",
            1,
        )
    }


def test_departmental_kinds_are_read_from_the_scheme(
    seed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing is hard-coded: a scheme marking no kind departmental gives no organisation at all."""
    from maillage import ontology
    from maillage.graph.vocabulary import Vocabulary

    vocabulary = Vocabulary(BASE)
    kinds = {
        concept.value.removeprefix(KINDS): (info.notation, info.label)
        for concept in (ox.NamedNode(KINDS + s) for s in KIND_NOTATIONS)
        if (info := vocabulary.departmental_kind(concept)) is not None
    }
    assert kinds == {
        "caf": ("caf", "Caf"),
        "msa": ("msa", "MSA"),
        "carsat": ("carsat", "CARSAT"),
        "cpam": ("cpam", "CPAM"),
        "conseil-departemental": ("conseil-departemental", "Conseil départemental"),
        "etat": ("etat", "Préfecture"),
    }

    copies = []
    for path in ontology.concept_files():
        copy = tmp_path / "concepts" / path.name
        copy.parent.mkdir(exist_ok=True)
        text = path.read_text(encoding="utf-8")
        marked = "mlg:organisationDepartementale"
        copy.write_text(text.replace(f"{marked} true", f"{marked} false"), encoding="utf-8")
        copies.append(copy)
    monkeypatch.setattr(ontology, "concept_files", lambda: copies)
    folder, _ = build(fiches_of(seed), tmp_path / "no-organisations")
    assert select(folder, "SELECT ?o WHERE { { ?a mlg:partenaire ?o } UNION { ?o a mlg:Partenaire } }") == []
    assert select(folder, "SELECT (COUNT(*) AS ?n) WHERE { ?a mlg:typePartenaire ?k }") == [{"n": "31"}]
