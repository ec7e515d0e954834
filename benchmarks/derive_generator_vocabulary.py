"""Derive the synthetic generator's vocabulary and distributions from the real seed export.

Run from the repository root:

    .venv/bin/python benchmarks/derive_generator_vocabulary.py \
        [--seed ../shared/seeds/senacs-haute-garonne.txt] [--out graph/data/generator-vocabulary.json]

The output is deterministic (sorted keys, counts, no timestamps): re-running it on the same seed rewrites the
same bytes. The seed is read with plain text parsing written here, on purpose independent of the project's
export parser (``graph/export.py``), so that the generator and the parser are not built on each other.

What comes from the seed: the value frequencies and per-fiche counts of every list field, the statut shares,
the presence rates of the optional labels, the free-text word-bigram model (lower-cased whitespace tokens),
the shape of each free-text field (empty share; lines per field; words per line; which lines are ``- ``
bullets), the title lengths and quirks, the structure name patterns. What the seed (25 fiches of one
département) cannot show is listed in ``ASSUMED`` below with the rate we chose, and recorded as such in the
JSON: years (the seed has no listing table), quirks that other exports show but this one does not.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = ROOT.parent / "shared" / "seeds" / "senacs-haute-garonne.txt"
DEFAULT_OUT = ROOT / "graph" / "data" / "generator-vocabulary.json"

PAGE_HEADER = "Les actions des centres sociaux"
FICHE_MARKER = "Actions"

# The form's labels, as the README lists them; each is checked to occur verbatim in the seed.
LABELS: tuple[tuple[str, str], ...] = (
    ("structure", "- Structure organisatrice"),
    ("fichiers", "- Fichier(s) associé(s)"),
    ("statut", "- Statut de l'action"),
    ("raison_fin", "- Raisons pour lesquelles l'action est terminée"),
    ("dimensions", "- Dimension"),
    ("mots_cles", "- Mots clés associés à l'action"),
    ("resume", "- Résumé"),
    ("initiative", "- Qui est à l'initiative de l'action ?"),
    ("precision_initiative", "- Précision ( si autre )"),
    ("territoire", "- Territoire concerné"),
    ("description_experience",
     "- Description de l'expérience, ses objectifs, ses acteurs et ses différentes phases."),
    ("public", "- Public"),
    ("partenaires", "- Avec qui cette action a-t-elle été menée ?"),
    ("territoire_2", "- Territoire concerné"),
    ("description_generale", "- Description générale"),
    ("ressources_financieres", "- Ressources financières mobilisées pour cette action"),
    ("personnes_mobilisees", "- Nombre de personnes mobilisés pour cette action"),
    ("resultat_territoire", "- Résultat sur le territoire"),
    ("resultat_centre_social", "- Résultat pour le centre social"),
    ("resultat_habitants", "- Résultat pour les habitants"),
    ("limites", "- Suite de l'action : Limites"),
    ("perspectives", "- Suite de l'action : Perspectives"),
)
LABEL_LINES = {label for _, label in LABELS}
LIST_FIELDS = ("dimensions", "mots_cles", "initiative", "public", "partenaires")
TEXT_FIELDS = (
    "raison_fin", "resume", "precision_initiative", "description_experience", "description_generale",
    "ressources_financieres", "personnes_mobilisees", "resultat_territoire", "resultat_centre_social",
    "resultat_habitants", "limites", "perspectives",
)
OPTIONAL_FIELDS = ("fichiers", "raison_fin", "precision_initiative")
PARTENAIRES_HEADER = "Partenaires d'action:"

# Structure name prefixes to recognise (longest match wins); names matching none are "standalone" names.
STRUCTURE_PREFIXES = (
    "CENTRE SOCIAL", "Centre Social", "Centre social", "Maison des Habitants de", "MAISON DES HABITANTS",
    "MAISON DE QUARTIER", "Maison de quartier", "Espace de Vie Sociale", "ESPACE DE VIE SOCIALE", "MJC",
)
CONNECTORS = ("DE", "DU", "DES", "LES", "LE", "LA", "D'", "L'")

# Not derivable from 25 fiches of one département: chosen, and marked "assumed" in the output.
ASSUMED = {
    # The seed has no listing table, hence no years; recent years weigh more, as the platform grew.
    "annee_weights": {"2019": 5, "2020": 6, "2021": 9, "2022": 12, "2023": 16, "2024": 24, "2025": 28},
    # Minimum rates of quirks that other exports show (shared/README.md) and this seed does not, or
    # shows too rarely to be sure to appear in a few hundred fiches.
    "min_rates": {
        "title_guillemets": 0.02,
        "title_lower": 0.04,
        "resume_partenaires_line": 0.03,
        "territoire_differs": 0.04,
        "structure_dash": 0.06,
        "structure_quote": 0.03,
    },
    # Structures per département: drawn uniformly in this range; a structure's share of its département's
    # fiches follows a Zipf law of this exponent, so some centres write many fiches and most a few.
    "structures_per_departement": [30, 50],
    "structure_zipf_exponent": 0.8,
    # Words per free-text line are the seed's, scaled per field by a factor drawn in this range.
    "line_length_jitter": [0.75, 1.25],
}

# Extra place-like units for structure names (quarters, streets and namesakes common in French towns), added
# to the units of the seed's own structure names so that 101 × 40 names can be distinct.
EXTRA_NAME_UNITS = (
    "BELLEVUE", "SOLEIL", "HORIZON", "TILLEULS", "PLATANES", "MOULIN", "FONTAINE", "RENCONTRES",
    "ARC-EN-CIEL", "MOSAIQUE", "CARREFOUR", "FAUBOURG", "COLLINES", "VALLON", "PRAIRIE", "JEAN MOULIN",
    "VICTOR HUGO", "JULES FERRY", "PABLO NERUDA", "LOUISE MICHEL", "PASTEUR", "CHATEAU", "GARE",
    "PLATEAU", "VIGNES", "SOURCES", "MARRONNIERS", "CHENES", "BASTIDE", "RIVE GAUCHE", "HAUTS DE VILLE",
    "VIEUX BOURG", "CENTRE VILLE", "LES BUISSONNETS", "CLOS FLEURI", "GRAND PARC", "PETIT PONT",
    "MARELLE", "BOUSSOLE", "ETINCELLE", "ESCALE", "PASSAGE", "CROISEE", "AGORA", "ARCHIPEL", "ENVOL",
    "TREMPLIN", "COLOMBIER", "PEPINIERE", "RUCHE", "GRAIN DE SEL", "TOURNESOL", "MIRABELLE", "SAINT-JEAN",
    "SAINT-MICHEL", "SAINTE-MARIE", "MONTPLAISIR", "BEAUSOLEIL", "VAL FLEURI", "ROSERAIE", "VERGERS",
    "MOLIERE", "JEAN JAURES", "GEORGE SAND", "SIMONE VEIL", "ALBERT CAMUS", "NELSON MANDELA", "CONDORCET",
)


def read_fiches(text: str) -> list[dict]:
    """Split the seed into fiches: title, the raw lines of each field, and the fiche's size in bytes."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line == FICHE_MARKER]
    fiches = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        block = lines[start:end]
        fiche: dict = {"title": block[1], "fields": {}, "order": [],
                       "bytes": len(("\n".join(block) + "\n").encode("utf-8"))}
        current = None
        for line in block[2:]:
            if line in LABEL_LINES:
                key = next(k for k, lab in LABELS if lab == line)
                if key == "territoire" and "territoire" in fiche["fields"]:
                    key = "territoire_2"
                current = key
                fiche["fields"][key] = []
                fiche["order"].append(key)
            elif current is not None:
                fiche["fields"][current].append(line)
        fiches.append(fiche)
    return fiches


def list_values(key: str, raw: list[str]) -> list[str]:
    body = list(raw)
    if key in ("mots_cles", "initiative", "partenaires") and body and body[0] == "-":
        body = body[1:]
    if key == "partenaires" and body and body[0] == PARTENAIRES_HEADER:
        body = body[1:]
    return [line[2:].strip() for line in body if line.startswith("- ")]


def tokens(line: str) -> list[str]:
    return line.lower().split()


def value_order(lists: list[list[str]]) -> list[str]:
    """A value order consistent with the seed: the form lists checked boxes in a fixed order."""
    score: dict[str, list[float]] = {}
    for values in lists:
        for i, v in enumerate(values):
            score.setdefault(v, []).append(i / (len(values) - 1) if len(values) > 1 else 0.5)
    return sorted(score, key=lambda v: (sum(score[v]) / len(score[v]), v))


def counts(counter: Counter) -> dict[str, int]:
    return {str(k): counter[k] for k in sorted(counter, key=lambda k: (-counter[k], str(k)))}


def structure_pattern(name: str) -> tuple[str, str]:
    for prefix in sorted(STRUCTURE_PREFIXES, key=len, reverse=True):
        if name.startswith(prefix + " "):
            return prefix, name[len(prefix) + 1:]
    return "", name


def derive(seed_text: str) -> dict:
    for _, label in LABELS:
        if f"\n{label}\n" not in seed_text:
            raise SystemExit(f"label not found verbatim in the seed: {label!r}")
    fiches = read_fiches(seed_text)
    n = len(fiches)

    # Controlled values.
    statut = Counter(f["fields"]["statut"][0][2:] for f in fiches)
    lists: dict[str, dict] = {}
    for key in LIST_FIELDS:
        per_fiche = [list_values(key, f["fields"].get(key, [])) for f in fiches]
        lists[key] = {
            "values": counts(Counter(v for vs in per_fiche for v in vs)),
            "order": value_order(per_fiche),
            "per_fiche": counts(Counter(len(vs) for vs in per_fiche)),
        }
    terr = [(list_values("territoire", f["fields"]["territoire"]),
             list_values("territoire", f["fields"]["territoire_2"])) for f in fiches]
    territoire = {
        "values": counts(Counter(a[0] for a, _ in terr if a)),
        "pair_equal_share": sum(a == b for a, b in terr) / n,
    }

    # Optional labels.
    initiative_autre = [("Autre" in list_values("initiative", f["fields"]["initiative"])) for f in fiches]
    terminee = [f["fields"]["statut"][0][2:] == "Terminée" for f in fiches]

    def share(selected: list[bool], key: str) -> float:
        chosen = [f for f, s in zip(fiches, selected, strict=True) if s]
        return sum(key in f["fields"] for f in chosen) / len(chosen) if chosen else 0.0

    optional = {
        "fichiers": {"present_share": sum("fichiers" in f["fields"] for f in fiches) / n,
                     "empty_share": 1.0},
        "raison_fin": {"present_share_if_terminee": share(terminee, "raison_fin"),
                       "present_share_otherwise": share([not t for t in terminee], "raison_fin")},
        "precision_initiative": {
            "present_share_if_autre": share(initiative_autre, "precision_initiative"),
            "present_share_otherwise": share([not a for a in initiative_autre], "precision_initiative"),
        },
    }
    for f in fiches:
        if "fichiers" in f["fields"] and f["fields"]["fichiers"]:
            optional["fichiers"]["empty_share"] = 0.0  # the generator prints it empty only if the seed does

    # Free text: shapes per field and the word-bigram model.
    text_fields = {}
    bigrams: Counter = Counter()
    unigrams: Counter = Counter()
    line_starts: Counter = Counter()
    line_ends: Counter = Counter()
    upper_starts = lower_starts = 0
    for key in TEXT_FIELDS:
        present = [f["fields"][key] for f in fiches if key in f["fields"]]
        shapes, starts = [], Counter()
        for raw in present:
            shape = []
            for line in raw:
                bullet = line.startswith("- ")
                toks = tokens(line[2:] if bullet else line)
                if not toks:
                    continue
                shape.append([len(toks), int(bullet)])
                starts[toks[0]] += 1
                line_starts[toks[0]] += 1
                line_ends[toks[-1]] += 1
                unigrams.update(toks)
                bigrams.update(pairwise(toks))
                first = (line[2:] if bullet else line).lstrip()[:1]
                if first.isalpha():
                    upper_starts += first.isupper()
                    lower_starts += first.islower()
            if shape:
                shapes.append(shape)
        nonempty = [sum(w for w, _ in s) for s in shapes]
        lines_n = [len(s) for s in shapes]
        text_fields[key] = {
            "fiches": len(present),
            "empty_share": (len(present) - len(shapes)) / len(present) if present else 1.0,
            "lines": counts(Counter(lines_n)),
            "mean_words_if_not_empty": round(sum(nonempty) / len(nonempty), 1) if nonempty else 0,
            "bullet_line_share": round(sum(b for s in shapes for _, b in s) / max(1, sum(lines_n)), 4),
            "shapes": shapes,
            "starts": counts(starts),
        }
    vocab = sorted(unigrams, key=lambda t: (-unigrams[t], t))
    index = {t: i for i, t in enumerate(vocab)}
    successors: list[list[list[int]]] = [[] for _ in vocab]
    for (a, b), c in sorted(bigrams.items(), key=lambda kv: (index[kv[0][0]], index[kv[0][1]])):
        successors[index[a]].append([index[b], c])
    text_model = {
        "tokenisation": "line.lower().split(); bigrams within a line; a leading '- ' bullet is not a token",
        "tokens": vocab,
        "counts": [unigrams[t] for t in vocab],
        "successors": successors,
        "line_starts": [[index[t], c] for t, c in sorted(line_starts.items(), key=lambda kv: index[kv[0]])],
        "line_ends": [[index[t], c] for t, c in sorted(line_ends.items(), key=lambda kv: index[kv[0]])],
        "lowercase_line_start_share": round(lower_starts / (upper_starts + lower_starts), 4),
    }

    # Titles.
    titles = [f["title"] for f in fiches]
    letters = [t for t in titles if re.search(r"[^\W\d_]", t)]
    title_stats = {
        "words": counts(Counter(len(tokens(t.strip('"'))) for t in titles)),
        "starts": counts(Counter(tokens(t.strip('"«» '))[0] for t in titles)),
        "lower_share": sum(t == t.lower() for t in letters) / n,
        "upper_share": sum(t == t.upper() for t in letters) / n,
        "quote_share": sum(t.startswith('"') for t in titles) / n,
        "guillemets_share": sum("«" in t for t in titles) / n,
    }

    # Structures: a name is a prefix ("CENTRE SOCIAL", …) then an optional connector and a place-like unit,
    # or a standalone name (a head like "LA PASSERELLE" then a unit); " - " adds a second unit.
    names = sorted({f["fields"]["structure"][0][2:].rsplit(" - ", 1)[0] for f in fiches})
    patterns: Counter = Counter()
    connectors: Counter = Counter()
    heads, units = set(), set()
    prefixed = 0
    for name in names:
        prefix, tail = structure_pattern(name)
        main, _, second = tail.partition(" - ")
        words = main.replace('"', " ").split()
        patterns[prefix] += 1
        if prefix:
            prefixed += 1
            if len(words) > 1 and words[0].upper() in CONNECTORS:
                connectors[words[0].upper()] += 1
                words = words[1:]
            units.add(" ".join(words).upper())
        elif len(words) > 1:
            heads.add(" ".join(words[:-1]))
        if second:
            units.add(second.upper())
    structures = {
        "seed_names": len(names),
        "patterns": [{"prefix": p, "case": ("upper" if p == p.upper() else "title") if p else "upper",
                      "count": c} for p, c in sorted(patterns.items(), key=lambda kv: (-kv[1], kv[0]))],
        "standalone_heads": sorted(heads),
        "connector_share": round(sum(connectors.values()) / max(1, prefixed), 4),
        "connectors": counts(connectors),
        "dash_share": sum(" - " in nm for nm in names) / len(names),
        "quote_share": sum('"' in nm for nm in names) / len(names),
        "units": sorted(units | set(EXTRA_NAME_UNITS)),
        "units_from_seed": len(units),
    }

    return {
        "about": ("Derived by benchmarks/derive_generator_vocabulary.py from "
                  "shared/seeds/senacs-haute-garonne.txt; read by maillage.graph.generate."),
        "seed": {"fiches": n, "bytes": len(seed_text.encode("utf-8")),
                 "mean_fiche_bytes": round(sum(f["bytes"] for f in fiches) / n, 1)},
        "labels": [label for _, label in LABELS],
        "statut": counts(statut),
        "lists": lists,
        "territoire": territoire,
        "optional": optional,
        "text_fields": text_fields,
        "text_model": text_model,
        "titles": title_stats,
        "structures": structures,
        "assumed": ASSUMED,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=Path, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    data = derive(args.seed.read_text(encoding="utf-8"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="\n") as f:
        json.dump(data, f, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
        f.write("\n")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes) from {data['seed']['fiches']} fiches")


if __name__ == "__main__":
    main()
