"""The ontology's data files: they parse, every term is documented, the schemes are consistent, the shapes
accept a well-formed action and reject a broken one, and the JSON-LD context compacts into friendly names."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph
import pytest
from pyld import jsonld
from pyshacl import validate
from pyshacl.errors import ReportableRuntimeError
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS

from maillage.graph.iris import slug
from maillage.ontology import (
    ONTOLOGY_DIR,
    concept_files,
    context_file,
    ontology_file,
    shapes_file,
)

MLG = Namespace("https://w3id.org/maillage/ontologie#")
SCHEMA = Namespace("https://schema.org/")
SH = Namespace("http://www.w3.org/ns/shacl#")
IGEO = Namespace("http://rdf.insee.fr/def/geo#")
#: A plain Namespace: rdflib's closed XSD namespace warns when pytest probes module attributes.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
ONTOLOGY_IRI = URIRef("https://w3id.org/maillage/ontologie")

#: Relative IRIs of concepts and shapes resolve against the data's base IRI; any base will do for tests.
BASE = "https://example.org/data/"

#: Each scheme file and the class its concepts carry.
SCHEME_CLASSES = {
    "dimensions": MLG.Dimension,
    "mots-cles": MLG.Theme,
    "initiateurs": MLG.Initiateur,
    "echelles-territoriales": MLG.EchelleTerritoriale,
    "publics": MLG.Public,
    "types-partenaires": MLG.TypePartenaire,
    "statuts": MLG.Statut,
}

#: Every controlled value met in the reference export (shared/seeds/senacs-haute-garonne.txt), as spelled.
SEED_VALUES = {
    "dimensions": ["Citoyenneté", "Services", "Accompagnement de projets"],
    "mots-cles": [
        "Solidarité",
        "Démocratie & citoyenneté",
        "développement durable",
        "Environnement",
        "Parentalité",
        "intergénérationnel",
        "Santé",
        "alphabétisation & apprentissage du français",
        "Mixité sociale",
        "Intégration",
        "Culture",
        "vacances / loisirs",
        "discriminations",
        "éducation / scolarité",
    ],
    "initiateurs": [
        "Le centre social",
        "Un groupe d'habitants",
        "Un habitant",
        "Un ou plusieurs partenaire(s)",
        "Autre",
    ],
    "echelles-territoriales": ["Une commune", "Plusieurs communes", "Un quartier", "Plusieurs quartiers"],
    "publics": ["Tous publics", "familles", "Adultes", "Seniors", "Petite enfance"],
    "types-partenaires": [
        "Caf",
        "MSA",
        "CARSAT",
        "CPAM",
        "Commune",
        "Conseil départemental",
        "Etat",
        "Association locale",
        "Association nationale",
        "Regroupement de communes",
        "Autre",
    ],
    "statuts": ["En cours", "Terminée"],
}

#: Terms the build's code refers to by name.
CLASSES = [
    "Action",
    "Fiche",
    "DocumentSource",
    "ExtraitSource",
    "Structure",
    "Partenaire",
    "Territoire",
    "Dimension",
    "Theme",
    "Initiateur",
    "EchelleTerritoriale",
    "Public",
    "TypePartenaire",
    "Statut",
    "ConceptNonRevu",
    "LocalisationCommune",
    "OrganisationCitee",
    "TypeOrganisationCitee",
    "Mention",
]
OBJECT_PROPERTIES = [
    "structureOrganisatrice",
    "statut",
    "dimension",
    "motCle",
    "initiateur",
    "echelleTerritoriale",
    "public",
    "typePartenaire",
    "departement",
    "extrait",
    "partenaire",
    "commune",
    "communeConcernee",
    "communeCandidate",
    "localise",
    "lien",
    "organisationCitee",
    "typeOrganisationCitee",
    "designe",
    "budget",
    "poste",
    "financement",
    "effectif",
    "effectifProfessionnels",
    "effectifBenevoles",
    "effectifServiceCivique",
    "effectifIntervenants",
    "effectifPartenaires",
    "effectifPersonnes",
    "effectifParticipants",
]
#: Properties of the build's readings of the texts (literals).
READING_PROPERTIES = [
    "champ",
    "methode",
    "confiance",
    "population",
    "raisonMontantNul",
    "par",
    "ordre",
    "approximatif",
    "ponctuel",
]
ANNOTATION_PROPERTIES = [
    "codeDataInclusion",
    "organisationDepartementale",
    "libelleOrganisation",
    "libelleInverse",
]
#: Partner types that name one organisation per département, and the short name of that organisation.
DEPARTMENTAL_KINDS = {
    "caf": "Caf",
    "msa": "MSA",
    "carsat": "CARSAT",
    "cpam": "CPAM",
    "conseil-departemental": "Conseil départemental",
    "etat": "Préfecture",
}
TEXT_PROPERTIES = [
    "raisonFin",
    "precisionInitiative",
    "descriptionExperience",
    "descriptionGenerale",
    "ressourcesFinancieres",
    "personnesMobilisees",
    "resultat",
    "resultatTerritoire",
    "resultatCentreSocial",
    "resultatHabitants",
    "limites",
    "perspectives",
]


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def _ontology() -> Graph:
    return Graph().parse(ontology_file(), format="turtle")


def _relative(path: Path) -> Graph:
    return Graph().parse(path, format="turtle", publicID=BASE)


def _concepts() -> Graph:
    g = Graph()
    for path in concept_files():
        g.parse(path, format="turtle", publicID=BASE)
    return g


def _scheme(name: str) -> URIRef:
    return URIRef(f"{BASE}concept/{name}")


def _langs(g: Graph, s: URIRef, p: URIRef) -> list[str | None]:
    return [o.language for o in g.objects(s, p) if isinstance(o, Literal)]


# --------------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------------


def test_helpers_locate_the_files():
    assert ONTOLOGY_DIR.is_dir()
    for path in (ontology_file(), shapes_file(), context_file()):
        assert path.is_file(), path
    assert [p.stem for p in concept_files()] == sorted(SCHEME_CLASSES)


@pytest.mark.parametrize("path", [ontology_file(), shapes_file(), *concept_files()], ids=lambda p: p.name)
def test_turtle_parses_with_rdflib_and_pyoxigraph(path: Path):
    assert len(_relative(path)) > 0
    quads = list(pyoxigraph.parse(path=path, format=pyoxigraph.RdfFormat.TURTLE, base_iri=BASE))
    assert quads


def test_ontology_has_no_relative_iris():
    """The OWL core uses absolute IRIs only: it parses the same whatever the base."""
    quads = list(pyoxigraph.parse(path=ontology_file(), format=pyoxigraph.RdfFormat.TURTLE))
    assert quads


# --------------------------------------------------------------------------------------------------
# OWL core
# --------------------------------------------------------------------------------------------------


def test_ontology_header():
    g = _ontology()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in g
    for p in (DCTERMS.title, DCTERMS.description):
        assert set(_langs(g, ONTOLOGY_IRI, p)) == {"fr", "en"}
    assert (ONTOLOGY_IRI, DCTERMS.license, URIRef("https://spdx.org/licenses/etalab-2.0")) in g
    assert (ONTOLOGY_IRI, OWL.versionIRI, URIRef("https://w3id.org/maillage/ontologie/0.1.0")) in g
    assert g.value(ONTOLOGY_IRI, DCTERMS.created) == Literal("2026-11-25", datatype=XSD.date)
    vann = Namespace("http://purl.org/vocab/vann/")
    assert str(g.value(ONTOLOGY_IRI, vann.preferredNamespaceUri)) == str(MLG)
    assert str(g.value(ONTOLOGY_IRI, vann.preferredNamespacePrefix)) == "mlg"


def test_expected_terms_are_declared():
    g = _ontology()
    for name in CLASSES:
        assert (MLG[name], RDF.type, OWL.Class) in g, name
    for name in OBJECT_PROPERTIES:
        assert (MLG[name], RDF.type, OWL.ObjectProperty) in g, name
    for name in [*TEXT_PROPERTIES, *READING_PROPERTIES, "annee", "ligne"]:
        assert (MLG[name], RDF.type, OWL.DatatypeProperty) in g, name
    for name in ANNOTATION_PROPERTIES:
        assert (MLG[name], RDF.type, OWL.AnnotationProperty) in g, name


def test_every_term_is_documented_in_french_and_english():
    g = _ontology()
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    terms = {s for kind in kinds for s in g.subjects(RDF.type, kind) if str(s).startswith(str(MLG))}
    assert len(terms) == len(CLASSES) + len(OBJECT_PROPERTIES) + len(TEXT_PROPERTIES) + 2 + len(
        ANNOTATION_PROPERTIES
    ) + len(READING_PROPERTIES)
    for term in terms:
        for p in (RDFS.label, RDFS.comment):
            langs = _langs(g, term, p)
            assert sorted(langs) == ["en", "fr"], (term, p, langs)
        assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in g, term


def test_alignment_axioms():
    g = _ontology()
    prov = Namespace("http://www.w3.org/ns/prov#")
    org = Namespace("http://www.w3.org/ns/org#")
    expected_classes = {
        MLG.Action: {prov.Activity, SCHEMA.Action},
        MLG.Fiche: {FOAF.Document, prov.Entity},
        MLG.DocumentSource: {FOAF.Document, prov.Entity},
        MLG.ExtraitSource: {prov.Entity},
        MLG.Structure: {org.Organization},
        MLG.Partenaire: {org.Organization},
        MLG.Territoire: {SCHEMA.AdministrativeArea},
        MLG.Theme: {SKOS.Concept, SCHEMA.DefinedTerm},
        MLG.Public: {SKOS.Concept, SCHEMA.Audience},
        MLG.ConceptNonRevu: {SKOS.Concept},
    }
    for cls, supers in expected_classes.items():
        assert set(g.objects(cls, RDFS.subClassOf)) == supers, cls
    expected_properties = {
        MLG.structureOrganisatrice: {prov.wasAssociatedWith, SCHEMA.agent},
        MLG.partenaire: {prov.wasAssociatedWith},
        MLG.dimension: {DCTERMS.subject},
        MLG.motCle: {DCTERMS.subject},
        MLG.public: {SCHEMA.audience},
        MLG.departement: {DCTERMS.spatial},
        MLG.extrait: {prov.hadPrimarySource},
        MLG.annee: {DCTERMS.date},
        MLG.resultatTerritoire: {MLG.resultat},
        MLG.resultatCentreSocial: {MLG.resultat},
        MLG.resultatHabitants: {MLG.resultat},
        MLG.resultat: {DCTERMS.description},
        MLG.raisonFin: {SKOS.note},
    }
    for prop, supers in expected_properties.items():
        assert set(g.objects(prop, RDFS.subPropertyOf)) == supers, prop
    for name in TEXT_PROPERTIES:
        assert (MLG[name], RDFS.range, RDF.langString) in g, name
        assert (MLG[name], RDFS.domain, MLG.Action) in g, name
    assert (MLG.annee, RDFS.range, XSD.gYear) in g
    assert (MLG.ligne, RDFS.range, XSD.integer) in g
    assert g.value(MLG.departement, RDFS.domain) is None
    assert (MLG.partenaire, RDFS.domain, MLG.Action) in g
    assert (MLG.partenaire, RDFS.range, MLG.Partenaire) in g
    assert (MLG.organisationDepartementale, RDFS.range, XSD.boolean) in g
    assert (MLG.libelleOrganisation, RDFS.range, RDF.langString) in g


# --------------------------------------------------------------------------------------------------
# SKOS schemes
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", concept_files(), ids=lambda p: p.stem)
def test_scheme_file(path: Path):
    g = _relative(path)
    scheme = _scheme(path.stem)
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    assert (scheme, RDF.type, SCHEMA.DefinedTermSet) in g
    assert set(_langs(g, scheme, SKOS.prefLabel)) == {"fr", "en"}
    assert set(_langs(g, scheme, DCTERMS.description)) == {"fr", "en"}
    assert set(g.subjects(RDF.type, SKOS.ConceptScheme)) == {scheme}, "one scheme per file"

    concepts = set(g.subjects(RDF.type, SKOS.Concept))
    assert concepts
    assert set(g.objects(scheme, SKOS.hasTopConcept)) == concepts
    cls = SCHEME_CLASSES[path.stem]
    notations = []
    for c in concepts:
        fr = [o for o in g.objects(c, SKOS.prefLabel) if o.language == "fr"]
        en = [o for o in g.objects(c, SKOS.prefLabel) if o.language == "en"]
        assert len(fr) == 1 and len(en) == 1, c
        notation = str(g.value(c, SKOS.notation))
        assert notation == slug(str(fr[0])), c
        assert str(c) == f"{scheme}/{notation}", c
        assert set(g.objects(c, SKOS.inScheme)) == {scheme}, c
        assert set(g.objects(c, SKOS.topConceptOf)) == {scheme}, c
        assert {SKOS.Concept, cls, SCHEMA.DefinedTerm} <= set(g.objects(c, RDF.type)), c
        # schema.org view of the same concept, kept equal to the SKOS one
        assert set(g.objects(c, SCHEMA.name)) == set(g.objects(c, SKOS.prefLabel)), c
        assert str(g.value(c, SCHEMA.termCode)) == notation, c
        assert g.value(c, SCHEMA.inDefinedTermSet) == scheme, c
        for alt in g.objects(c, SKOS.altLabel):
            assert alt.language == "fr" and alt != fr[0], (c, alt)
        if cls == MLG.Public:
            assert (c, RDF.type, SCHEMA.Audience) in g
            assert Literal(str(fr[0]), lang="fr") in set(g.objects(c, SCHEMA.audienceType))
        notations.append(notation)
    assert len(notations) == len(set(notations)), "two concepts share a slug"


def test_the_seven_schemes_exist():
    g = _concepts()
    assert set(g.subjects(RDF.type, SKOS.ConceptScheme)) == {_scheme(name) for name in SCHEME_CLASSES}


@pytest.mark.parametrize("scheme", sorted(SEED_VALUES))
def test_every_seed_value_has_a_concept(scheme: str):
    """Each raw value of the reference export is the prefLabel or an altLabel of a concept of its scheme."""
    g = _concepts()
    labels = {}
    for c in g.subjects(SKOS.inScheme, _scheme(scheme)):
        for p in (SKOS.prefLabel, SKOS.altLabel):
            for label in g.objects(c, p):
                if label.language == "fr":
                    labels[str(label)] = c
    missing = [v for v in SEED_VALUES[scheme] if v not in labels]
    assert not missing


def test_statuses_match_schema_org():
    g = _concepts()
    statuts = _scheme("statuts")
    assert (URIRef(f"{statuts}/en-cours"), SKOS.exactMatch, SCHEMA.ActiveActionStatus) in g
    assert (URIRef(f"{statuts}/terminee"), SKOS.exactMatch, SCHEMA.CompletedActionStatus) in g


def test_departmental_partner_kinds():
    """Exactly the kinds with one organisation per département are marked, each with its organisation's name;
    "Préfecture" (the State's representative in a département) is a spelling of the kind État."""
    g = _concepts()
    scheme = _scheme("types-partenaires")
    marked = {}
    for c, flag in g.subject_objects(MLG.organisationDepartementale):
        assert flag == Literal(True), (c, flag)
        assert (c, SKOS.inScheme, scheme) in g, c
        names = list(g.objects(c, MLG.libelleOrganisation))
        assert len(names) == 1 and names[0].language == "fr", (c, names)
        marked[str(c).rsplit("/", 1)[1]] = str(names[0])
    assert marked == DEPARTMENTAL_KINDS
    assert set(g.subjects(MLG.libelleOrganisation, None)) == set(
        g.subjects(MLG.organisationDepartementale, None)
    )
    etat = URIRef(f"{scheme}/etat")
    assert Literal("Préfecture", lang="fr") in set(g.objects(etat, SKOS.altLabel))


def test_data_inclusion_codes_are_slugs_and_never_exact_matches():
    g = _concepts()
    codes = list(g.subject_objects(MLG.codeDataInclusion))
    assert codes
    for c, code in codes:
        assert isinstance(code, Literal) and code.language is None, c
        assert all(part == slug(part) for part in str(code).split("--")), code
    # exactMatch only to schema.org statuses: data·inclusion publishes no IRIs
    for _, target in g.subject_objects(SKOS.exactMatch):
        assert str(target).startswith(str(SCHEMA)), target


# --------------------------------------------------------------------------------------------------
# SHACL shapes
# --------------------------------------------------------------------------------------------------

VALID_ACTION = """
@prefix mlg:    <https://w3id.org/maillage/ontologie#> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
@prefix dct:    <http://purl.org/dc/terms/> .
@prefix foaf:   <http://xmlns.com/foaf/0.1/> .
@prefix skos:   <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <https://schema.org/> .
@prefix igeo:   <http://rdf.insee.fr/def/geo#> .

<action/gratuiterie> a mlg:Action ;
    dct:title "GRATUITERIE"@fr ;
    rdfs:label "GRATUITERIE"@fr ;
    dct:abstract "Une « Gratuiterie de Noël »."@fr ;
    mlg:structureOrganisatrice <structure/maison-des-habitants-de-leguevin> ;
    foaf:isPrimaryTopicOf <fiche/gratuiterie> ;
    mlg:departement <territoire/departement/31> ;
    mlg:statut <concept/statuts/en-cours> ;
    schema:actionStatus schema:ActiveActionStatus ;
    mlg:dimension <concept/dimensions/citoyennete> ;
    mlg:motCle <concept/mots-cles/solidarite> , <concept/mots-cles/developpement-durable> ;
    mlg:initiateur <concept/initiateurs/le-centre-social> ;
    mlg:echelleTerritoriale <concept/echelles-territoriales/plusieurs-communes> ;
    mlg:public <concept/publics/tous-publics> ;
    mlg:typePartenaire <concept/types-partenaires/autre> ;
    mlg:ressourcesFinancieres "frais de personnel"@fr ;
    mlg:personnesMobilisees "4 professionnels , 23 bénévoles"@fr ;
    mlg:resultatCentreSocial "nouvelles adhésions, engagement bénévoles"@fr ;
    mlg:limites "stockage en amont de l'action"@fr ;
    mlg:annee "2025"^^xsd:gYear .

<fiche/gratuiterie> a mlg:Fiche ;
    foaf:primaryTopic <action/gratuiterie> ;
    mlg:extrait <source/senacs-haute-garonne.txt#line=2> .

<source/senacs-haute-garonne.txt#line=2> a mlg:ExtraitSource ;
    mlg:ligne "2"^^xsd:integer ;
    dct:isPartOf <source/senacs-haute-garonne.txt> .

<source/senacs-haute-garonne.txt> a mlg:DocumentSource ;
    dct:title "senacs-haute-garonne.txt" .

<structure/maison-des-habitants-de-leguevin> a mlg:Structure ;
    rdfs:label "Maison des Habitants de Lèguevin"@fr ;
    mlg:departement <territoire/departement/31> .

<territoire/departement/31> a mlg:Territoire , igeo:Departement ;
    rdfs:label "Haute-Garonne"@fr ;
    igeo:codeINSEE "31"^^xsd:token ;
    skos:closeMatch <http://id.insee.fr/geo/departement/31> .

<concept/mots-cles/jardinage> a skos:Concept , mlg:ConceptNonRevu ;
    skos:prefLabel "jardinage"@fr ;
    skos:inScheme <concept/mots-cles> .
"""


def _data(turtle: str) -> Graph:
    g = _concepts()
    g.parse(data=turtle, format="turtle", publicID=BASE)
    return g


def _shapes() -> Graph:
    return _relative(shapes_file())


def _failing_paths(data: Graph) -> set[URIRef]:
    """The paths of the report's top-level results (nested sh:detail results of sh:node are left out)."""
    conforms, report, _ = validate(data, shacl_graph=_shapes())
    assert not conforms
    return {report.value(r, SH.resultPath) for r in report.objects(None, SH.result)}


def test_shapes_are_valid_shacl():
    """pyshacl's meta_shacl checks the shapes graph against SHACL-SHACL before validating."""
    conforms, _, text = validate(_data(VALID_ACTION), shacl_graph=_shapes(), meta_shacl=True)
    assert conforms, text


def test_meta_shacl_catches_a_broken_shape():
    """The check above is not vacuous: a malformed shape makes pyshacl refuse the shapes graph."""
    bad = _shapes()
    bad.add((URIRef("https://w3id.org/maillage/ontologie/formes#Action-titre"), SH.minCount, Literal("one")))
    with pytest.raises(ReportableRuntimeError):
        validate(_data(VALID_ACTION), shacl_graph=bad, meta_shacl=True)


def test_every_property_shape_speaks_french():
    g = _shapes()
    shapes = set(g.objects(None, SH.property))
    assert shapes
    for shape in shapes:
        assert "fr" in _langs(g, shape, SH.name), shape
        assert "fr" in _langs(g, shape, SH.message), shape


def test_valid_action_conforms():
    conforms, _, text = validate(_data(VALID_ACTION), shacl_graph=_shapes())
    assert conforms, text


def test_broken_action_fails_where_expected():
    broken = (
        VALID_ACTION.replace('    dct:title "GRATUITERIE"@fr ;\n', "")
        .replace("<concept/statuts/en-cours>", "<concept/dimensions/services>")
        .replace('"Une « Gratuiterie de Noël »."@fr', '"A Christmas give-away."@en')
    )
    assert broken != VALID_ACTION
    assert _failing_paths(_data(broken)) == {DCTERMS.title, MLG.statut, DCTERMS.abstract}


def test_other_shapes_fail_where_expected():
    broken = (
        VALID_ACTION.replace('"2"^^xsd:integer', '"0"^^xsd:integer')
        .replace('igeo:codeINSEE "31"^^xsd:token', 'igeo:codeINSEE "Haute-Garonne"^^xsd:token')
        .replace("    mlg:extrait <source/senacs-haute-garonne.txt#line=2> .", "    .")
        .replace('    skos:prefLabel "jardinage"@fr ;', '    skos:prefLabel "gardening"@en ;')
        .replace('"2025"^^xsd:gYear', '"2025"')
    )
    assert _failing_paths(_data(broken)) == {
        MLG.ligne,
        IGEO.codeINSEE,
        MLG.extrait,
        SKOS.prefLabel,
        MLG.annee,
    }


PARTNER = """
@prefix mlg:    <https://w3id.org/maillage/ontologie#> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix org:    <http://www.w3.org/ns/org#> .

<action/gratuiterie> mlg:partenaire <organisation/31/caf> .

<organisation/31/caf> a mlg:Partenaire ;
    rdfs:label "Caf (Haute-Garonne)"@fr ;
    org:classification <concept/types-partenaires/caf> ;
    mlg:departement <territoire/departement/31> .
"""


def test_partner_organisation_conforms():
    conforms, _, text = validate(_data(VALID_ACTION + PARTNER), shacl_graph=_shapes())
    assert conforms, text


def test_broken_partner_organisation_fails_where_expected():
    """Two labels (one English), a classification outside the partner types, no département; and an action
    whose partner is a structure, not a mlg:Partenaire."""
    broken = (
        PARTNER.replace('"Caf (Haute-Garonne)"@fr', '"Caf (Haute-Garonne)"@fr , "Caf of Haute-Garonne"@en')
        .replace("<concept/types-partenaires/caf>", "<concept/publics/adultes>")
        .replace("    mlg:departement <territoire/departement/31> .", "    .")
        .replace(
            "mlg:partenaire <organisation/31/caf>",
            "mlg:partenaire <structure/maison-des-habitants-de-leguevin>",
        )
    )
    assert _failing_paths(_data(VALID_ACTION + broken)) == {
        RDFS.label,
        URIRef("http://www.w3.org/ns/org#classification"),
        MLG.departement,
        MLG.partenaire,
    }


def test_concept_files_conform_to_the_shapes():
    conforms, _, text = validate(_concepts(), shacl_graph=_shapes())
    assert conforms, text


# --------------------------------------------------------------------------------------------------
# JSON-LD context
# --------------------------------------------------------------------------------------------------


def test_context_compacts_into_friendly_terms():
    context = json.loads(context_file().read_text(encoding="utf-8"))
    assert context["@context"]["@version"] == 1.1
    mlg, dct, xsd = str(MLG), str(DCTERMS), str(XSD)
    expanded = [
        {
            "@id": "https://w3id.org/maillage/action/gratuiterie",
            "@type": [f"{mlg}Action"],
            f"{dct}title": [{"@value": "GRATUITERIE", "@language": "fr"}],
            f"{dct}abstract": [{"@value": "Une gratuiterie.", "@language": "fr"}],
            f"{mlg}structureOrganisatrice": [{"@id": "https://w3id.org/maillage/structure/mdh"}],
            f"{mlg}motCle": [{"@id": "https://w3id.org/maillage/concept/mots-cles/solidarite"}],
            f"{mlg}statut": [{"@id": "https://w3id.org/maillage/concept/statuts/en-cours"}],
            "https://schema.org/actionStatus": [{"@id": "https://schema.org/ActiveActionStatus"}],
            f"{mlg}limites": [{"@value": "stockage", "@language": "fr"}],
            f"{mlg}annee": [{"@value": "2025", "@type": f"{xsd}gYear"}],
            f"{mlg}partenaire": [{"@id": "https://w3id.org/maillage/organisation/31/caf"}],
            "http://xmlns.com/foaf/0.1/isPrimaryTopicOf": [
                {"@id": "https://w3id.org/maillage/fiche/gratuiterie"}
            ],
        },
        {
            "@id": "https://w3id.org/maillage/organisation/31/caf",
            "@type": [f"{mlg}Partenaire"],
            "http://www.w3.org/2000/01/rdf-schema#label": [
                {"@value": "Caf (Haute-Garonne)", "@language": "fr"}
            ],
            "http://www.w3.org/ns/org#classification": [
                {"@id": "https://w3id.org/maillage/concept/types-partenaires/caf"}
            ],
            f"{mlg}departement": [{"@id": "https://w3id.org/maillage/territoire/departement/31"}],
        },
        {
            "@id": "https://w3id.org/maillage/concept/types-partenaires/caf",
            f"{mlg}organisationDepartementale": [{"@value": "true", "@type": f"{xsd}boolean"}],
            f"{mlg}libelleOrganisation": [{"@value": "Caf", "@language": "fr"}],
        },
        {
            "@id": "https://w3id.org/maillage/source/export.txt#line=2",
            "@type": [f"{mlg}ExtraitSource"],
            f"{mlg}ligne": [{"@value": "2", "@type": f"{xsd}integer"}],
            f"{dct}isPartOf": [{"@id": "https://w3id.org/maillage/source/export.txt"}],
        },
    ]
    compacted = jsonld.compact(expanded, context)
    nodes = {node["id"]: node for node in compacted["@graph"]}
    action = nodes["https://w3id.org/maillage/action/gratuiterie"]
    assert action["type"] == "Action"
    assert action["titre"] == "GRATUITERIE"
    assert action["resume"] == "Une gratuiterie."
    assert action["structureOrganisatrice"] == "https://w3id.org/maillage/structure/mdh"
    assert action["motsCles"] == ["https://w3id.org/maillage/concept/mots-cles/solidarite"]
    assert action["statut"] == "https://w3id.org/maillage/concept/statuts/en-cours"
    assert action["statutAction"] == "schema:ActiveActionStatus"
    assert action["limites"] == "stockage"
    assert action["annee"] == "2025"
    assert action["fiche"] == "https://w3id.org/maillage/fiche/gratuiterie"
    assert action["partenaires"] == ["https://w3id.org/maillage/organisation/31/caf"]
    caf = nodes["https://w3id.org/maillage/organisation/31/caf"]
    assert caf["type"] == "Partenaire"
    assert caf["libelle"] == "Caf (Haute-Garonne)"
    assert caf["classification"] == "https://w3id.org/maillage/concept/types-partenaires/caf"
    assert caf["departement"] == "https://w3id.org/maillage/territoire/departement/31"
    kind = nodes["https://w3id.org/maillage/concept/types-partenaires/caf"]
    assert kind["organisationDepartementale"] == "true"
    assert kind["libelleOrganisation"] == {"fr": "Caf"}
    extrait = nodes["https://w3id.org/maillage/source/export.txt#line=2"]
    assert extrait["type"] == "ExtraitSource"
    assert extrait["ligne"] == "2"
    assert extrait["partieDe"] == "https://w3id.org/maillage/source/export.txt"
    # and back: expanding the compacted form gives the same triples
    assert jsonld.normalize(compacted, {"format": "application/n-quads"}) == jsonld.normalize(
        expanded, {"format": "application/n-quads"}
    )
