"""The dataset's self-description: DCAT-AP 3.0.1 and the project's shapes, VoID counts, schema.org, files."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from click.testing import CliRunner
from pyld import jsonld
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from maillage import ontology
from maillage.graph.build import NTRIPLES, STORE, build_dataset, read_metadata
from maillage.graph.description import (
    CATALOGUE,
    ETALAB_2,
    Publication,
    catalogue_context,
    description_triples,
    read_publication,
    schema_org_dataset,
    serialize_description,
)
from maillage.graph.downloads import PUBLISHED
from maillage.graph.dump import serialize_document, sha256_of
from maillage.graph.export import read_export
from maillage.graph.record import Fiche
from maillage.graph.resources import describe

ROOT = Path(__file__).resolve().parents[2]
DCAT_AP = ROOT.parent / "shared" / "vendor" / "dcat-ap-3.0.1"
SAMPLE = ROOT / "tests" / "data" / "sample-export.txt"
BASE = "https://w3id.org/maillage/"
DATASET = URIRef(BASE + "catalogue#jeu-de-donnees")

SH = Namespace("http://www.w3.org/ns/shacl#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
VOID = Namespace("http://rdfs.org/ns/void#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
MLG = "https://w3id.org/maillage/ontologie#"

CUSTOM = """
title = "Actions des centres sociaux de Haute-Garonne"
publisher_name = "Fédération des centres sociaux de Haute-Garonne"
publisher_url = "https://federation.example.org/"
contact_name = "Service données"
contact_email = "donnees@federation.example.org"
license = "https://creativecommons.org/licenses/by/4.0/"
site_url = "https://donnees.example.org/maillage"
issued = 2026-01-15
keywords = ["Haute-Garonne", "réseau"]
themes = ["SOCI", "REGI"]
"""


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def fiches_of(path: Path) -> list[Fiche]:
    return [item for item in read_export(path) if isinstance(item, Fiche)]


def catalogue_graph(folder: Path) -> Graph:
    return Graph().parse(folder / CATALOGUE, format="turtle")


@cache
def _dcat_ap_shapes() -> Graph:
    """DCAT-AP 3.0.1's shapes with its range shapes, as the NOTICE says they are used together.

    Both files list, under some node shapes, property shapes that neither file defines (a known upstream
    defect, SEMICeu/DCAT-AP#448, which makes Jena and pyshacl refuse the shapes graph): those dangling
    references, which constrain nothing, are dropped; every defined shape is kept as published.
    """
    shapes = Graph().parse(DCAT_AP / "dcat-ap-SHACL.ttl").parse(DCAT_AP / "ranges.ttl")
    for node, shape in list(shapes.subject_objects(SH.property)):
        if shapes.value(shape, SH.path) is None:
            shapes.remove((node, SH.property, shape))
    return shapes


def dcat_ap_shapes() -> Graph:
    if not DCAT_AP.is_dir():
        pytest.skip(f"the DCAT-AP shapes are not at {DCAT_AP} (../shared absent)")
    return _dcat_ap_shapes()


def project_shapes() -> Graph:
    return Graph().parse(ontology.catalogue_shapes_file(), format="turtle")


def violations(data: Graph, shapes: Graph) -> set[tuple[str, str]]:
    """(focus node, path) of every violation; empty when ``data`` conforms."""
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    found = {
        (str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultPath)))
        for r in report.subjects(SH.resultSeverity, SH.Violation)
    }
    assert conforms == (not found)
    return found


def publication_file(tmp_path: Path, text: str, name: str = "publication.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def triples_of(folder: Path, publication: Publication, built: str = "2026-02-01") -> Graph:
    """The description of ``folder`` under ``publication``, as rdflib reads it back from Turtle."""
    store = ox.Store.read_only(str(folder / STORE))
    document = serialize_description(description_triples(folder, store, publication, built))
    return Graph().parse(data=document.decode(), format="turtle")


def _refuse(url: str, options: dict) -> dict:
    raise jsonld.JsonLdError(f"remote document {url} refused", "loading document failed")


# --------------------------------------------------------------------------------------------------
# Validation: DCAT-AP 3.0.1 and the project's own shapes
# --------------------------------------------------------------------------------------------------


def test_the_build_writes_the_description(seed_dataset: Path) -> None:
    graph = catalogue_graph(seed_dataset)
    assert (DATASET, RDF.type, DCAT.Dataset) in graph
    assert (DATASET, RDF.type, VOID.Dataset) in graph
    assert not any(isinstance(term, BNode) for triple in graph for term in triple)


def test_seed_description_conforms_to_dcat_ap(seed_dataset: Path) -> None:
    assert violations(catalogue_graph(seed_dataset), dcat_ap_shapes()) == set()


def test_seed_description_conforms_to_the_project_shapes(seed_dataset: Path) -> None:
    assert violations(catalogue_graph(seed_dataset), project_shapes()) == set()


def _break(graph: Graph) -> tuple[str, str]:
    """A distribution without licence, with a literal download URL; a place that is not a dct:Location."""
    distribution = URIRef(BASE + "catalogue#distribution-graph-ttl")
    graph.remove((distribution, DCT.license, None))
    graph.remove((distribution, DCAT.downloadURL, None))
    graph.add((distribution, DCAT.downloadURL, Literal("https://w3id.org/maillage/donnees/graph.ttl")))
    graph.remove((URIRef("http://id.insee.fr/geo/departement/31"), RDF.type, None))
    return str(distribution), str(DATASET)


def test_dcat_ap_catches_a_broken_description(seed_dataset: Path) -> None:
    """The check above can fail: DCAT-AP refuses a literal download URL and an untyped place."""
    graph = catalogue_graph(seed_dataset)
    distribution, dataset = _break(graph)
    assert violations(graph, dcat_ap_shapes()) == {
        (distribution, str(DCAT.downloadURL)),
        (dataset, str(DCT.spatial)),
    }


def test_project_shapes_catch_a_broken_description(seed_dataset: Path) -> None:
    graph = catalogue_graph(seed_dataset)
    distribution, dataset = _break(graph)
    checksum = URIRef(BASE + "catalogue#distribution-actions-csv-somme")
    graph.set((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha1))
    sized = URIRef(BASE + "catalogue#distribution-actions-csv")
    graph.set((sized, DCAT.byteSize, Literal("23 ko")))
    for title in list(graph.objects(DATASET, DCT.title)):
        if title.language == "fr":
            graph.remove((DATASET, DCT.title, title))
    assert violations(graph, project_shapes()) == {
        (distribution, str(DCT.license)),
        (distribution, str(DCAT.downloadURL)),
        (dataset, str(DCT.spatial)),
        (dataset, str(DCT.title)),
        (str(checksum), str(SPDX.algorithm)),
        (str(sized), str(SPDX.checksum)),  # its checksum no longer has the expected shape
        (str(sized), str(DCAT.byteSize)),
    }


def test_project_shapes_are_valid_shacl_and_speak_french(seed_dataset: Path) -> None:
    shapes = project_shapes()
    conforms, _, text = pyshacl.validate(
        catalogue_graph(seed_dataset), shacl_graph=shapes, inference="none", meta_shacl=True
    )
    assert conforms, text
    property_shapes = {s for s in shapes.subjects(RDF.type, SH.PropertyShape)}
    assert len(property_shapes) > 20
    for shape in property_shapes:
        assert any(m.language == "fr" for m in shapes.objects(shape, SH.message)), shape
        assert any(n.language == "fr" for n in shapes.objects(shape, SH.name)), shape


def test_every_part_of_the_description_is_reached_from_its_document(seed_dataset: Path) -> None:
    """The linked-data layer serves ``{base}catalogue`` by following its hash IRIs: none is orphaned."""
    store = ox.Store()
    store.bulk_load(path=seed_dataset / CATALOGUE, format=ox.RdfFormat.TURTLE)
    document = describe(store, BASE + "catalogue")
    assert document is not None
    hashes = {quad.subject.value for quad in store if quad.subject.value.startswith(BASE + "catalogue#")}
    assert set(document.parts) == hashes
    assert BASE + "catalogue#service-sparql" in hashes


# --------------------------------------------------------------------------------------------------
# JSON-LD
# --------------------------------------------------------------------------------------------------


def test_json_ld_round_trip_gives_the_same_graph(seed_dataset: Path) -> None:
    """Parsed, not loaded in an ox.Store: the store rewrites xsd:nonNegativeInteger as xsd:integer."""
    triples = [quad.triple for quad in ox.parse(path=seed_dataset / CATALOGUE, format=ox.RdfFormat.TURTLE)]
    document = json.loads(serialize_document(triples, "jsonld", context=catalogue_context()))
    assert isinstance(document["@context"], dict)  # inline: nothing to fetch
    assert any(node.get("@type") == "dcat:Catalog" for node in document["@graph"])
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": _refuse})
    back = Graph().parse(data=nquads, format="nt")
    assert len(back) == len(triples)
    assert isomorphic(back, catalogue_graph(seed_dataset))


# --------------------------------------------------------------------------------------------------
# Distributions
# --------------------------------------------------------------------------------------------------


def test_every_published_file_has_its_distribution_with_true_size_and_checksum(seed_dataset: Path) -> None:
    graph = catalogue_graph(seed_dataset)
    present = [p for p in PUBLISHED if (seed_dataset / p.name).is_file()]
    assert {p.name for p in present} >= {"graph.ttl", "graph.nt.gz", "graph.jsonld", "SHA256SUMS"}
    distributions = set(graph.objects(DATASET, DCAT.distribution))
    for published in present:
        node = URIRef(BASE + "catalogue#distribution-" + published.name.replace(".", "-"))
        assert node in distributions, published.name
        path = seed_dataset / published.name
        assert graph.value(node, DCAT.byteSize).toPython() == path.stat().st_size
        checksum = graph.value(node, SPDX.checksum)
        assert isinstance(checksum, URIRef)  # a hash IRI, never a blank node
        assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(graph.value(checksum, SPDX.checksumValue)) == sha256_of(path)
        url = URIRef(f"{BASE}donnees/{published.name}")
        assert graph.value(node, DCAT.downloadURL) == url
        assert graph.value(node, DCAT.accessURL) == url
        assert graph.value(node, DCT.license) == URIRef(ETALAB_2)
        assert graph.value(node, DCT.title).language == "fr"
        assert graph.value(node, DCT["format"]) == URIRef(published.file_type_iri)
    # the file distributions and the SPARQL endpoint's
    assert len(distributions) == len(present) + 1


def test_a_compressed_dump_gives_what_it_holds_and_how_it_is_packed(seed_dataset: Path) -> None:
    graph = catalogue_graph(seed_dataset)
    node = URIRef(BASE + "catalogue#distribution-graph-nt-gz")
    iana = "http://www.iana.org/assignments/media-types/"
    assert graph.value(node, DCAT.mediaType) == URIRef(iana + "application/n-triples")
    assert graph.value(node, DCAT.compressFormat) == URIRef(iana + "application/gzip")
    plain = URIRef(BASE + "catalogue#distribution-graph-ttl")
    assert graph.value(plain, DCAT.mediaType) == URIRef(iana + "text/turtle")
    assert graph.value(plain, DCAT.compressFormat) is None


def test_the_sparql_endpoint_is_a_data_service_and_a_distribution(seed_dataset: Path) -> None:
    graph = catalogue_graph(seed_dataset)
    service = URIRef(BASE + "catalogue#service-sparql")
    endpoint = URIRef(BASE + "sparql")
    assert (service, RDF.type, DCAT.DataService) in graph
    assert graph.value(service, DCAT.endpointURL) == endpoint
    assert graph.value(service, DCAT.servesDataset) == DATASET
    distribution = URIRef(BASE + "catalogue#distribution-sparql")
    assert graph.value(distribution, DCAT.accessService) == service
    assert graph.value(distribution, DCAT.accessURL) == endpoint
    assert (URIRef(BASE + "catalogue#catalogue"), DCAT.service, service) in graph


# --------------------------------------------------------------------------------------------------
# The dataset node: defaults, coverage, a publisher's own file
# --------------------------------------------------------------------------------------------------


def test_defaults_name_etalab_and_the_data_it_covers(seed_dataset: Path) -> None:
    graph = catalogue_graph(seed_dataset)
    built = read_metadata(seed_dataset).built
    assert graph.value(DATASET, DCT.license) == URIRef(ETALAB_2)
    assert graph.value(URIRef(BASE + "catalogue#catalogue"), DCT.license) == URIRef(ETALAB_2)
    assert {t.language for t in graph.objects(DATASET, DCT.title)} == {"fr", "en"}
    assert str(graph.value(DATASET, DCT.modified)) == built
    assert str(graph.value(DATASET, DCT.issued)) == built  # no issued date configured
    assert set(graph.objects(DATASET, DCT.spatial)) == {
        URIRef("http://id.insee.fr/geo/departement/31"),
        URIRef(BASE + "territoire/departement/31"),
    }
    keywords = {str(k) for k in graph.objects(DATASET, DCAT.keyword)}
    assert {"centres sociaux", "Haute-Garonne", "Intégration"} <= keywords
    assert graph.value(DATASET, DCAT.landingPage) == URIRef(BASE)
    assert graph.value(DATASET, DCT.conformsTo) == URIRef("https://w3id.org/maillage/ontologie")
    theme = URIRef("http://publications.europa.eu/resource/authority/data-theme/SOCI")
    assert graph.value(DATASET, DCAT.theme) == theme
    contact = graph.value(DATASET, DCAT.contactPoint)
    assert graph.value(contact, VCARD.fn) == Literal("Équipe Maillage")
    assert graph.value(contact, VCARD.hasEmail) is None  # no address is invented
    assert graph.value(DATASET, DCT.temporal) is None  # the seed has no years


def test_a_publishers_file_overrides_licence_publisher_contact_and_site(
    seed_dataset: Path, tmp_path: Path
) -> None:
    publication = read_publication(publication_file(tmp_path, CUSTOM), BASE)
    assert publication.site_url == "https://donnees.example.org/maillage/"
    assert publication.endpoint_url == "https://donnees.example.org/maillage/sparql"
    graph = triples_of(seed_dataset, publication)
    licence = URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert graph.value(DATASET, DCT.license) == licence
    assert set(graph.objects(None, DCT.license)) == {licence}
    publisher = graph.value(DATASET, DCT.publisher)
    assert str(graph.value(publisher, FOAF.name)) == "Fédération des centres sociaux de Haute-Garonne"
    assert graph.value(publisher, FOAF.homepage) == URIRef("https://federation.example.org/")
    contact = graph.value(DATASET, DCAT.contactPoint)
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:donnees@federation.example.org")
    assert str(graph.value(DATASET, DCT.issued)) == "2026-01-15"
    node = URIRef(BASE + "catalogue#distribution-graph-ttl")
    assert graph.value(node, DCAT.downloadURL) == URIRef(
        "https://donnees.example.org/maillage/donnees/graph.ttl"
    )
    assert graph.value(DATASET, VOID.sparqlEndpoint) == URIRef("https://donnees.example.org/maillage/sparql")
    assert len(set(graph.objects(DATASET, DCAT.theme))) == 2
    # IRIs stay under the base: the site only says where the files are served
    assert (URIRef(BASE + "catalogue#catalogue"), RDF.type, DCAT.Catalog) in graph
    assert violations(graph, project_shapes()) == set()
    assert violations(graph, dcat_ap_shapes()) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('titre = "Mon jeu"\n', "unknown key 'titre'"),
        ('site_url = "ftp://example.org/"\n', "site_url must be an http(s) URL"),
        ('themes = ["SOCIAL"]\n', "themes must be a list of EU data-theme codes"),
        ('contact_email = "personne"\n', "contact_email must be an e-mail address"),
        ("keywords = 3\n", "keywords must be a list of non-empty strings"),
        ('issued = "demain"\n', "issued must be a date"),
        ('description = "Trop court."\n', "description must be 50 to 5000 characters long"),
        ("title = \n", "not valid TOML"),
    ],
)
def test_a_bad_publishers_file_is_refused_naming_file_and_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = publication_file(tmp_path, text, "mon-editeur.toml")
    with pytest.raises(ValueError) as raised:
        read_publication(path, BASE)
    assert str(path) in str(raised.value)
    assert expected in str(raised.value)


def test_a_bad_publishers_file_stops_the_build_before_writing(seed: Path, tmp_path: Path) -> None:
    path = publication_file(tmp_path, 'licence = "etalab"\n')
    out = tmp_path / "dataset"
    with pytest.raises(ValueError, match="unknown key 'licence'"):
        build_dataset(fiches_of(seed), out, publication=path)
    assert not out.exists()


def test_the_cli_passes_the_description_file_and_reports_its_errors(seed: Path, tmp_path: Path) -> None:
    from maillage.publish.cli import main

    out = tmp_path / "dataset"
    good = publication_file(tmp_path, CUSTOM)
    done = CliRunner().invoke(main, ["build", str(seed), "--out", str(out), "--description", str(good)])
    assert done.exit_code == 0, done.output
    graph = catalogue_graph(out)
    assert graph.value(DATASET, DCT.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")

    bad = publication_file(tmp_path, 'contact = "x"\n', "faute.toml")
    refused = CliRunner().invoke(
        main, ["build", str(seed), "--out", str(tmp_path / "b"), "--description", str(bad)]
    )
    assert refused.exit_code == 2
    assert "faute.toml" in refused.output and "unknown key 'contact'" in refused.output


def test_years_give_a_period_of_time(tmp_path: Path) -> None:
    out = tmp_path / "sample"
    build_dataset(fiches_of(SAMPLE), out)
    store = ox.Store.read_only(str(out / STORE))
    row = next(iter(store.query(f"SELECT (MIN(?y) AS ?a) (MAX(?y) AS ?b) WHERE {{ ?x <{MLG}annee> ?y }}")))
    first, last = row["a"].value, row["b"].value
    graph = catalogue_graph(out)
    period = graph.value(DATASET, DCT.temporal)
    assert (period, RDF.type, DCT.PeriodOfTime) in graph
    assert str(graph.value(period, DCAT.startDate)) == f"{first}-01-01"
    assert str(graph.value(period, DCAT.endDate)) == f"{last}-12-31"
    publication = read_publication(None, BASE)
    dataset = schema_org_dataset(out, store, publication, read_metadata(out).built)
    assert dataset["temporalCoverage"] == f"{first}/{last}"
    assert violations(graph, project_shapes()) == set()
    if DCAT_AP.is_dir():
        assert violations(graph, dcat_ap_shapes()) == set()


# --------------------------------------------------------------------------------------------------
# VoID
# --------------------------------------------------------------------------------------------------


def _int(graph: Graph, subject: URIRef, predicate: URIRef) -> int:
    value = graph.value(subject, predicate)
    assert value is not None, predicate
    return int(value)


def test_void_counts_match_the_dump_and_the_store(seed_dataset: Path) -> None:
    graph = catalogue_graph(seed_dataset)
    lines = sum(1 for _ in (seed_dataset / NTRIPLES).open(encoding="utf-8"))
    assert _int(graph, DATASET, VOID.triples) == lines
    store = ox.Store.read_only(str(seed_dataset / STORE))
    counted = {
        row["c"].value: int(row["n"].value)
        for row in store.query("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c")
    }
    partitions = {
        str(graph.value(p, VOID["class"])): _int(graph, p, VOID.entities)
        for p in graph.objects(DATASET, VOID.classPartition)
    }
    assert partitions == counted
    assert partitions[MLG + "Action"] == 25
    assert _int(graph, DATASET, VOID.classes) == len(counted)
    properties = {
        str(graph.value(p, VOID.property)): _int(graph, p, VOID.triples)
        for p in graph.objects(DATASET, VOID.propertyPartition)
    }
    assert sum(properties.values()) == lines
    assert _int(graph, DATASET, VOID.properties) == len(properties)


def test_void_says_where_to_query_and_download(seed_dataset: Path) -> None:
    graph = catalogue_graph(seed_dataset)
    assert graph.value(DATASET, VOID.sparqlEndpoint) == URIRef(BASE + "sparql")
    dumps = {str(d) for d in graph.objects(DATASET, VOID.dataDump)}
    assert dumps == {f"{BASE}donnees/{p.name}" for p in PUBLISHED if p.dump}
    assert str(graph.value(DATASET, VOID.uriSpace)) == BASE
    vocabularies = {str(v) for v in graph.objects(DATASET, VOID.vocabulary)}
    assert {MLG, "http://www.w3.org/2004/02/skos/core#", "https://schema.org/"} <= vocabularies
    examples = {str(e) for e in graph.objects(DATASET, VOID.exampleResource)}
    assert any(e.startswith(BASE + "action/") for e in examples)
    assert any(e.startswith(BASE + "structure/") for e in examples)
    formats = {str(f) for f in graph.objects(DATASET, VOID.feature)}
    assert "http://www.w3.org/ns/formats/Turtle" in formats


# --------------------------------------------------------------------------------------------------
# schema.org
# --------------------------------------------------------------------------------------------------


def test_schema_org_dataset_has_what_dataset_search_needs(seed_dataset: Path) -> None:
    store = ox.Store.read_only(str(seed_dataset / STORE))
    publication = read_publication(None, BASE)
    dataset = schema_org_dataset(seed_dataset, store, publication, read_metadata(seed_dataset).built)
    json.dumps(dataset)  # plain JSON, ready for a <script type="application/ld+json">
    assert dataset["@context"] == "https://schema.org/"
    assert dataset["@type"] == "Dataset"
    assert dataset["name"]
    assert 50 <= len(dataset["description"]) <= 5000
    assert dataset["url"] == BASE
    assert dataset["identifier"] == BASE + "catalogue#jeu-de-donnees"
    assert dataset["license"] == ETALAB_2
    assert dataset["isAccessibleForFree"] is True
    assert dataset["inLanguage"] == "fr"
    assert dataset["creator"]["@type"] == "Organization" and dataset["creator"]["name"]
    assert dataset["publisher"] == dataset["creator"]
    assert "Haute-Garonne" in dataset["keywords"]
    assert dataset["spatialCoverage"][0]["sameAs"] == "http://id.insee.fr/geo/departement/31"
    assert "temporalCoverage" not in dataset  # no years in the seed
    assert dataset["includedInDataCatalog"]["@type"] == "DataCatalog"
    downloads = {d["contentUrl"]: d for d in dataset["distribution"]}
    present = [p for p in PUBLISHED if (seed_dataset / p.name).is_file()]
    assert set(downloads) == {f"{BASE}donnees/{p.name}" for p in present}
    for published in present:
        download = downloads[f"{BASE}donnees/{published.name}"]
        assert download["@type"] == "DataDownload"
        assert download["encodingFormat"] == published.media_type
        assert download["contentSize"] == f"{(seed_dataset / published.name).stat().st_size} B"


def test_schema_org_follows_the_publishers_site(seed_dataset: Path, tmp_path: Path) -> None:
    store = ox.Store.read_only(str(seed_dataset / STORE))
    publication = read_publication(publication_file(tmp_path, CUSTOM), BASE)
    dataset = schema_org_dataset(seed_dataset, store, publication, "2026-02-01")
    assert dataset["url"] == "https://donnees.example.org/maillage/"
    assert dataset["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert dataset["datePublished"] == "2026-01-15" and dataset["dateModified"] == "2026-02-01"
    assert all(
        d["contentUrl"].startswith("https://donnees.example.org/maillage/donnees/")
        for d in dataset["distribution"]
    )
    assert dataset["publisher"]["contactPoint"]["email"] == "donnees@federation.example.org"


# --------------------------------------------------------------------------------------------------
# Determinism
# --------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_two_builds_give_the_same_description(
    seed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    first, second = tmp_path / "a", tmp_path / "b"
    build_dataset(fiches_of(seed), first, files=[str(seed)])
    build_dataset(fiches_of(seed), second, files=[str(seed)])
    document = (first / CATALOGUE).read_bytes()
    assert document == (second / CATALOGUE).read_bytes()
    assert b"_:" not in document  # no blank node
    graph = catalogue_graph(first)
    assert str(graph.value(DATASET, DCT.modified)) == "2026-01-01"
