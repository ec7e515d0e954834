"""Derive the committed gazetteer ``graph/data/communes.csv.gz`` from Etalab's npm package.

Run from the repository root (node's ``npm`` on the PATH, only when the tarball is not given):

    .venv/bin/python benchmarks/fetch_communes.py                 # npm pack into build/communes/, then derive
    .venv/bin/python benchmarks/fetch_communes.py --tarball /tmp/etalab-decoupage-administratif-6.0.0.tgz

The source is ``@etalab/decoupage-administratif`` (INSEE's Code officiel géographique and legal populations,
packaged by Etalab / data.gouv.fr; data under the Licence Ouverte / Open Licence 2.0, code under MIT). The
script reads ``package/data/communes.json`` straight from the tarball (nothing is extracted) and keeps the
current communes (``type == "commune-actuelle"``) of France's 101 départements (``zone`` ``metro`` or
``drom``): the municipal arrondissements of Paris, Lyon and Marseille, the communes déléguées and associées
(former communes) and the communes of the overseas collectivities (``zone == "com"``, not départements) are
left out. The package ships no coordinates, so the gazetteer has none.

Two files are written, both deterministic (re-running on the same tarball rewrites the same bytes):

* ``graph/data/communes.csv.gz``: ``code,nom,departement,population``, one row per commune sorted by code,
  UTF-8, ``\\n`` line ends, gzip level 9 with no file name and mtime 0;
* ``graph/data/communes-source.json``: the package, its version and licence, the SHA-256 of the tarball, of
  ``communes.json`` and of the CSV, and the counts of what was kept and left out.

The script is independent of the ``maillage`` package on purpose: it needs the standard library only.
``--stop-list`` also redraws ``graph/data/communes-mots-courants.tsv`` (the reviewed one-word names that are
common words, see STOP_LIST below); that step alone needs ``wordfreq`` (``pip install wordfreq``), which the
project does not depend on.
"""

from __future__ import annotations

import argparse
import base64
import csv
import gzip
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "@etalab/decoupage-administratif"
VERSION = "6.0.0"
CACHE = ROOT / "build" / "communes"
DATA = ROOT / "graph" / "data"
OUT_CSV = DATA / "communes.csv.gz"
OUT_SOURCE = DATA / "communes-source.json"
COLUMNS = ("code", "nom", "departement", "population")
KEPT_TYPE = "commune-actuelle"
KEPT_ZONES = ("metro", "drom")


def tarball_name(version: str = VERSION) -> str:
    """The file name ``npm pack`` gives the package's tarball."""
    return f"etalab-decoupage-administratif-{version}.tgz"


def npm_pack(version: str, destination: Path) -> Path:
    """Fetch the package's tarball with ``npm pack`` (the registry's own client) into ``destination``."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is not on the PATH: install node, or pass --tarball")
    destination.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [npm, "pack", f"{PACKAGE}@{version}", "--pack-destination", str(destination)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return destination / tarball_name(version)


def read_member(archive: tarfile.TarFile, name: str) -> bytes:
    member = archive.extractfile(f"package/{name}")
    if member is None:
        raise SystemExit(f"the tarball has no package/{name}")
    return member.read()


def derive(tarball: Path) -> tuple[bytes, dict]:
    """The gzipped CSV and the provenance record derived from ``tarball``."""
    raw = tarball.read_bytes()
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as archive:
        package = json.loads(read_member(archive, "package.json"))
        communes_json = read_member(archive, "data/communes.json")
    if package.get("name") != PACKAGE:
        raise SystemExit(f"{tarball} is not {PACKAGE} but {package.get('name')!r}")
    records = json.loads(communes_json)

    kept = []
    left_out: Counter[str] = Counter()
    for record in records:
        if record["type"] != KEPT_TYPE:
            left_out[record["type"]] += 1
        elif record["zone"] not in KEPT_ZONES:
            left_out[f"{KEPT_TYPE} (zone {record['zone']})"] += 1
        else:
            kept.append(record)
    kept.sort(key=lambda r: r["code"])
    codes = [r["code"] for r in kept]
    if len(set(codes)) != len(codes):
        raise SystemExit("duplicate INSEE codes among the current communes")

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in kept:
        population = r.get("population")
        writer.writerow((r["code"], r["nom"], r["departement"], "" if population is None else population))
    csv_bytes = text.getvalue().encode("utf-8")

    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buffer, mtime=0) as gz:
        gz.write(csv_bytes)
    gz_bytes = buffer.getvalue()

    source = {
        "package": PACKAGE,
        "version": package["version"],
        "repository": package.get("repository"),
        "tarball": tarball_name(package["version"]),
        "tarball_sha256": hashlib.sha256(raw).hexdigest(),
        "tarball_integrity": "sha512-" + base64.b64encode(hashlib.sha512(raw).digest()).decode("ascii"),
        "source_file": "package/data/communes.json",
        "source_file_sha256": hashlib.sha256(communes_json).hexdigest(),
        "data_licence": "Licence Ouverte / Open Licence 2.0 (Etalab)",
        "data_licence_url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
        "code_licence": package.get("license"),
        "upstream_sources": [
            "INSEE, Code officiel géographique",
            "INSEE, populations légales",
        ],
        "kept": f"type == {KEPT_TYPE!r} and zone in {list(KEPT_ZONES)} (the 101 départements)",
        "records_read": len(records),
        "communes_kept": len(kept),
        "left_out": dict(sorted(left_out.items())),
        "columns": list(COLUMNS),
        "coordinates": "absent: the package ships no coordinates",
        "csv_sha256": hashlib.sha256(csv_bytes).hexdigest(),
        "csv_gz_sha256": hashlib.sha256(gz_bytes).hexdigest(),
    }
    return gz_bytes, source


# -- the stop list: commune names that are also common words -------------------------------------------
#
# ``graph/data/communes-mots-courants.tsv`` lists the one-word commune names (after the leading article is
# dropped) that are also French words. Candidates: every such name whose lower-case form has a Zipf
# frequency of at least ZIPF_MIN in French according to ``wordfreq`` 3.1.1 (its data are frozen), i.e. about
# once per 1.6 million words or more. Each candidate was then reviewed by hand into one of three groups:
#
# * KEEP: the word is first of all the place (Paris, Toulouse, Colomiers, Revel...): not listed;
# * MAJUSCULE: a word written with a capital for other reasons (first names and surnames, institutions
#   and events, countries, regions and foreign cities, short forms of longer commune names such as
#   "Aulnay" for Aulnay-sous-Bois): a commune only after "commune de", "centre social de"...;
# * everything else is COURANT, a common word (Cours, Sens, Bar, Pont...): it needs an indice where capitals
#   say nothing.
#
# ``wordfreq`` is not a dependency of the project: it is only needed to redraw the candidates
# (``--stop-list``); the committed TSV is what the code reads.

ZIPF_MIN = 2.8


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_LIST = DATA / "communes-mots-courants.tsv"

KEEP = _words("""
paris lyon marseille bordeaux nice toulouse tours nantes lille strasbourg montpellier rennes orleans grenoble
nancy laval cannes calais rouen metz versailles caen dijon reims toulon angers havre brest avignon amiens
valence poitiers limoges mans bastia perpignan lorient nimes vichy lens besancon troyes dunkerque verdun
bourges nanterre bayonne narbonne valenciennes mulhouse arles roubaix carcassonne annecy chartres ajaccio
beauvais arras vincennes montreuil beziers blois creteil auxerre quimper colmar rochefort dax meaux belfort
gap chambery fontainebleau clichy angouleme biarritz antibes douai montauban niort guingamp cayenne frejus
compiegne nevers castres agen villeurbanne orly albi dieppe tarbes sochaux melun bobigny soissons
pontoise hyeres aubervilliers vernon beaune cambrai deauville sevres vendome orsay pau rochelle beaulieu
beaumont cazeneuve montmorency
tourcoing saumur cergy argenteuil rodez rambouillet sete fougeres foix chaumont calvi alencon sedan laon
cholet muret bergerac cluny auch trappes poissy macon perigueux chateauroux thionville roanne arcachon
bayeux morlaix cahors bondy agde millau dreux bethune autun montbeliard aurillac antony toul sarcelles
nemours fronton courbevoie abbeville draguignan granville senlis meudon lisieux langres puteaux drancy apt
vence briancon avon mende massy carpentras avranches aubagne villejuif royan montrouge provins martigues
creil chinon bron ales riom torcy dole courneuve uzes maubeuge oyonnax malakoff elbeuf colomiers revel
redon noyon blagnac quiberon montelimar hem dinan vesoul montargis gosier creusot anglet albertville
merignac istres honfleur haguenau fresnes coutances chevreuse suresnes lannion gravelines gennevilliers
clamart bagnolet epinal villepinte selestat libourne gentilly concarneau biot evreux fessenheim auray
annemasse orthez montlucon luneville guerande gonesse ciotat vitrolles rungis lucon forbach flamanville
chelles castellane blain venissieux vallet tarascon bonifacio saclay grimaud lanta gignac pons murat
duras beaucaire hague pia sault amboise chambly sevran thiers vaudreuil corte peillon
""")

MAJUSCULE = _words("""
y grand ville cours tour plan ecole pierre mars chambre francois avril marche blanc salle marie union fete
quartier montreal suisse parc port hopital reunion cote bretagne robert palais jardin bernard croix orange
vienne champs mont luc temple etoile syndicat yves romain champagne alex val albert rene gilles chapelle
marin argentine mary comte aube mathieu marne romans raymond fontaine roche baron roux aix liege leon bulle
venise azur madeleine clermont nicole bourg alan chirac creuse billy caire villeneuve dauphin landes barry
soudan allier mons saone richelieu puy amy suzanne lucy hans sos roussillon haye detroit cologne fleury
dieudonne anjou trinite isle conde oms bart toussaint gray chatelet bach real neuilly pompidou lys oz
balzac villiers halles gaillard vaucluse martel indre descartes boyer aragon mayenne bologne besson samson
bourget valentine vaillant sion fribourg doubs colombe aignan eve noe montebourg laurie landry cahuzac thor
sand brunet lux buffon remy percy matignon lagarde corbeil brie aubin guerin chalon villers rhodes bresse
neuville sully maisonneuve lacoste bert rohan correze marchais hamel ferre eps gael belleville bailly
bruges saint
villette vermont sorel auteuil alix verne aulnay germaine aston montigny montfort lombard villars salome
florentin lennon casanova conan caro lilly estaing savigny montesquieu marsan lasalle lagrange hesse
beaufort pellerin condorcet cisse paule perrier lacombe humbert lagos canet verdier ney charly maury magny
noailles mercury deville ravel paulin marly lagardere mirabeau godefroy chateauneuf aron morton passy
orban combes boulay beauchamp baule varennes ferte brienne simard servais malmaison mailly granges choisy
bussy bousquet royer lescure harcourt choiseul turenne josse colombier champigny chambord joinville
charette cadix tilly ternes pasquier montreux maillet magenta longchamp pavie quincy minerve lepine hermes
tocqueville charron hamelin fraisse biron lalande gerland gallet marat artagnan prat puget jouy hagen
fallon duran chatel broglie modene mirabel julienne bresson bonnard villard treves montaigu laurens
courcelles chambon carrere cambon reilly perouse cuvier croisette rigaud douvres bouchet villeroy parisot
mace launay lavergne segur tournon vaulx hermitage coligny villon thesee lhomme aumont lamothe lisle
langley durban besse bellegarde tesson bosc rieux marigny longueville breuil caumont polignac giroux
grammont aoste lons asnieres chatillon charleville billancourt nogent fontenay verneuil mesnil
mauriac vauban morand neron orion alban allan baden bono brando lorette rousset gan ormesson latour
laborde
""")


def _stop_key(name: str) -> str:
    """The comparison key of a commune name, as ``maillage.graph.places.normalise`` makes it."""
    import re
    import unicodedata

    text = name.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()
    words = [w for w in re.findall(r"[^\W_]+", text) if not w.isdigit() and w != "cedex"]
    words = [
        {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes", "lez": "les"}.get(w, w)
        for w in words
    ]
    if len(words) > 1 and words[0] in ("le", "la", "les", "l"):
        words = words[1:]
    return " ".join(words)


def stop_list(csv_gz: bytes) -> str:
    """The stop list's TSV, drawn from the gazetteer and ``wordfreq`` (see the comment above)."""
    import re

    from wordfreq import zipf_frequency

    rows = list(csv.DictReader(io.StringIO(gzip.decompress(csv_gz).decode("utf-8"))))
    names: dict[str, list[str]] = {}
    for row in rows:
        key = _stop_key(row["nom"])
        if " " not in key:
            names.setdefault(key, []).append(row["nom"])
    lines = [
        "# One-word commune names that are also French words: see benchmarks/fetch_communes.py (stop list).",
        f"# Candidates: wordfreq 3.1.1 zipf_frequency(word, 'fr') >= {ZIPF_MIN}, reviewed by hand.",
        "# niveau: majuscule = written with a capital for other reasons (a commune only after 'commune de',",
        "# 'centre social de'...); courant = a common word (needs an indice where capitals say nothing).",
        "cle\tniveau\tzipf\tcommunes",
    ]
    for key in sorted(names):
        if key in KEEP:
            continue
        word = re.sub(r"^(le |la |les |l')", "", names[key][0].lower())
        zipf = zipf_frequency(word, "fr")
        if zipf < ZIPF_MIN and key not in MAJUSCULE:
            continue
        tier = "majuscule" if key in MAJUSCULE else "courant"
        lines.append(f"{key}\t{tier}\t{zipf:.2f}\t{'; '.join(sorted(set(names[key])))}")
    return "\n".join(lines) + "\n"


def source_json(source: dict) -> str:
    return json.dumps(source, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tarball", type=Path, help="the package's tarball (default: npm pack into build/)")
    parser.add_argument("--version", default=VERSION, help=f"the package version (default {VERSION})")
    parser.add_argument("--out", type=Path, default=OUT_CSV, help="the gzipped CSV to write")
    parser.add_argument("--source-out", type=Path, default=OUT_SOURCE, help="the provenance JSON to write")
    parser.add_argument(
        "--stop-list", action="store_true", help="also redraw the stop list (needs wordfreq): see STOP_LIST"
    )
    args = parser.parse_args(argv)

    tarball = args.tarball
    if tarball is None:
        tarball = CACHE / tarball_name(args.version)
        if not tarball.exists():
            tarball = npm_pack(args.version, CACHE)
    gz_bytes, source = derive(tarball)
    args.out.write_bytes(gz_bytes)
    args.source_out.write_text(source_json(source), encoding="utf-8")
    if args.stop_list:
        STOP_LIST.write_text(stop_list(gz_bytes), encoding="utf-8")
    print(
        f"{source['communes_kept']} communes from {source['package']}@{source['version']} "
        f"-> {args.out} ({len(gz_bytes):,} bytes), {args.source_out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
