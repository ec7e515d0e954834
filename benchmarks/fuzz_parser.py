"""Coverage-guided fuzzing of the export parser with atheris (libFuzzer), for a bounded time.

    .venv/bin/python benchmarks/fuzz_parser.py [--seconds 300] [--corpus DIR] [--crashes DIR] [--map]
    .venv/bin/python benchmarks/fuzz_parser.py --replay FILE...     # run saved inputs, show what fails

Every input is an export's bytes, read by ``read_export_bytes`` (exactly as a file of these bytes), and
must keep the invariants of ``tests/graph/export_strategies.check_invariants``: no exception, every
problem names the file and a line of it, every fiche marker yields one fiche or one rejection, a fiche
holds only text of its own lines, records survive their JSON, years have four digits. ``--map`` also maps
the fiches to RDF (graph/rdf.py and the readings of graph/enrich.py) and writes them as N-Triples.

The corpus starts from the real export (``../shared/seeds/senacs-haute-garonne.txt``) cut into its fiches,
pairs of them and the small exports of ``tests/data/``, and grows in ``--corpus`` (git-ignored) from run to
run; a libFuzzer dictionary of the form's labels is written beside it. Only the parser's modules are
instrumented, so the coverage figures are the parser's. libFuzzer stops at the first crash: the run is
restarted until the time is spent, each crash saved in ``--crashes`` (git-ignored) as ``crash-<sha1>``.
The summary gives executions, coverage (edges, features), corpus size and crashes; the exit code is 1 when
a crash was found. Needs atheris (``pip install atheris``; a wheel for CPython 3.11 on manylinux x86-64).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seeds" / "senacs-haute-garonne.txt"
DATA = ROOT / "tests" / "data"
DEFAULT_CORPUS = ROOT / "benchmarks" / "fuzz-corpus"
DEFAULT_CRASHES = ROOT / "benchmarks" / "fuzz-crashes"
NAME = "fuzz.txt"
#: The parser and what it calls: what the coverage figures are about.
PARSER_MODULES = ["maillage.graph.export", "maillage.graph.record", "maillage.graph.departements"]
MAPPING_MODULES = ["maillage.graph.rdf", "maillage.graph.enrich", "maillage.graph.vocabulary"]
MAX_LEN = 16384
STATUS = re.compile(r"#(\d+)\s+\S+\s+cov: (\d+) ft: (\d+) corp: (\d+)/")
DONE = re.compile(r"Done (\d+) runs in (\d+) second")


# --- the corpus -------------------------------------------------------------------------------------------


def seed_inputs() -> dict[str, bytes]:
    """Starting inputs: each fiche of the real export with its page header, consecutive pairs of them,
    and the small exports of tests/data (the project's sample when ../shared is absent)."""
    seeds: dict[str, bytes] = {}
    if SEED.is_file():
        text = SEED.read_text(encoding="utf-8")
        parts = re.split(r"(?m)^(?=Actions$)", text)
        header, fiches = parts[0], parts[1:]
        for number, fiche in enumerate(fiches):
            seeds[f"seed-fiche-{number:02d}.txt"] = (header + fiche).encode("utf-8")
        for number in range(0, len(fiches) - 1, 2):
            seeds[f"seed-pair-{number:02d}.txt"] = (header + fiches[number] + fiches[number + 1]).encode()
    for path in sorted(DATA.glob("*.txt")):
        data = path.read_bytes()
        if 0 < len(data) <= MAX_LEN:
            seeds[f"seed-data-{path.stem}.txt"] = data
    return seeds


def dictionary_entries() -> list[bytes]:
    """Words libFuzzer should splice in whole: labels, markers, separators, encodings' telltales."""
    from maillage.graph.export import FICHE_MARKER, FORM, PAGE_HEADER

    words = [FICHE_MARKER, PAGE_HEADER, "Nom | Département | Année |", " | Haute-Garonne | 2024 |",
             " - Haute-Garonne", " - 2A", "Partenaires d'action:", "- Date de fin de l'action :", "- --"]
    words += [f"- {label}" for label, _, _ in FORM]
    entries = [word.encode("utf-8") for word in words]
    entries += [b"\xef\xbb\xbf", b"\r\n", b"\r", b"\xc2\xa0", b"\xcc\x81", b"\xe2\x80\x99", b"\xe9", b"\xff"]
    return entries


def _escaped(entry: bytes) -> str:
    """A dictionary value as libFuzzer reads it: printable ASCII as is, other bytes as \\xNN."""
    plain = set(range(32, 127)) - set(b'"\\')
    return "".join(chr(byte) if byte in plain else f"\\x{byte:02x}" for byte in entry)


def prepare(corpus: Path) -> Path:
    """Seed an empty corpus folder and write the dictionary beside it; the dictionary's path."""
    corpus.mkdir(parents=True, exist_ok=True)
    if not any(corpus.iterdir()):
        for name, data in seed_inputs().items():
            (corpus / name).write_bytes(data)
    dictionary = corpus.parent / f"{corpus.name}.dict"
    lines = [f'w{number}="{_escaped(entry)}"' for number, entry in enumerate(dictionary_entries())]
    dictionary.write_text("\n".join(lines) + "\n", encoding="ascii")
    return dictionary


# --- the target (in the child process) ------------------------------------------------------------------


def _target(with_mapping: bool) -> object:
    """The function libFuzzer calls, its modules instrumented first."""
    import atheris

    with atheris.instrument_imports(include=PARSER_MODULES + (MAPPING_MODULES if with_mapping else [])):
        from maillage.graph.export import read_export_bytes
        from maillage.graph.rdf import Mapper, action_path
        from maillage.graph.vocabulary import Vocabulary
    sys.path.insert(0, str(ROOT / "tests" / "graph"))
    from export_strategies import check_invariants

    vocabulary = Vocabulary("https://w3id.org/maillage/") if with_mapping else None

    def mapper(fiches: list) -> None:
        import pyoxigraph as ox

        mapping = Mapper(vocabulary)
        for fiche in fiches:
            mapping.spellings.note(fiche, vocabulary)
        triples = [triple for fiche in fiches for triple in mapping.triples(fiche, action_path(fiche))]
        ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)

    def test_one_input(data: bytes) -> None:
        items = list(read_export_bytes(data, NAME))
        check_invariants(data, items, NAME, mapper if with_mapping else None)

    return test_one_input


def child(libfuzzer_args: list[str], with_mapping: bool) -> None:
    import atheris

    atheris.Setup([sys.argv[0], *libfuzzer_args], _target(with_mapping))
    atheris.Fuzz()


def replay(paths: list[Path], with_mapping: bool) -> int:
    """Run the target on saved inputs (uninstrumented): what each does, the traceback of what fails."""
    failed = 0
    target = _target(with_mapping)
    for path in paths:
        try:
            target(path.read_bytes())  # type: ignore[operator]
            print(f"{path}: ok")
        except Exception:
            failed += 1
            print(f"{path}: FAILS\n{traceback.format_exc()}")
    return 1 if failed else 0


# --- the run (in the parent process) --------------------------------------------------------------------


def _run_once(args: argparse.Namespace, seconds: int, dictionary: Path, log: list[str]) -> int:
    """One libFuzzer run for ``seconds``; its output lines are appended to ``log``; its exit code."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        *(["--map"] if args.map else []),
        "--",
        str(args.corpus),
        f"-max_total_time={seconds}",
        f"-artifact_prefix={args.crashes}{os.sep}",
        f"-dict={dictionary}",
        f"-max_len={MAX_LEN}",
        "-timeout=20",
        "-rss_limit_mb=3072",
        "-print_final_stats=1",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    )
    assert process.stdout is not None
    for line in process.stdout:
        log.append(line.rstrip("\n"))
        if args.verbose:
            print(line, end="", file=sys.stderr)
    return process.wait()


def _figures(log: list[str]) -> tuple[int, int, int, int]:
    """Executions, coverage (edges), features and corpus size of one run, from libFuzzer's output."""
    executions = cov = features = corpus = 0
    for line in log:
        if found := STATUS.search(line):
            executions, cov, features, corpus = (int(group) for group in found.groups())
        if found := DONE.search(line):
            executions = int(found.group(1))
    return executions, cov, features, corpus


def _crash_report(log: list[str]) -> str:
    """The Python traceback atheris printed for a crash (the lines after "Uncaught Python exception")."""
    for number, line in enumerate(log):
        if "Uncaught Python exception" in line:
            return "\n".join(log[number + 1 : number + 30])
    return "\n".join(log[-15:])


def fuzz(args: argparse.Namespace) -> int:
    """Fuzz until ``args.seconds`` are spent, restarting after each crash; print the figures."""
    args.crashes.mkdir(parents=True, exist_ok=True)
    dictionary = prepare(args.corpus)
    before = set(args.crashes.iterdir())
    start = time.monotonic()
    total = runs = 0
    cov = features = corpus = 0
    reports: list[str] = []
    while (left := int(args.seconds - (time.monotonic() - start))) > 0 and runs < args.max_restarts:
        log: list[str] = []
        code = _run_once(args, left, dictionary, log)
        runs += 1
        executions, run_cov, run_features, run_corpus = _figures(log)
        total += executions
        cov, features = max(cov, run_cov), max(features, run_features)
        corpus = run_corpus or corpus
        if code == 0:
            break
        reports.append(_crash_report(log))
    crashes = sorted(set(args.crashes.iterdir()) - before)
    elapsed = time.monotonic() - start
    print(
        f"fuzz_parser: {elapsed:.0f} s, executions: {total} ({total / max(elapsed, 1):.0f}/s), "
        f"coverage: {cov} edges, {features} features, corpus: {corpus} inputs, "
        f"runs: {runs}, crashes: {len(crashes)}"
    )
    for path, report in zip(crashes, reports, strict=False):
        print(f"\n{path} (replay: python benchmarks/fuzz_parser.py --replay {path})\n{report}")
    if reports and not crashes:
        print("\nlibFuzzer stopped without saving an input:\n" + "\n".join(reports))
    return 1 if crashes or reports else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=300, help="time to fuzz (default 300)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder (grows)")
    parser.add_argument("--crashes", type=Path, default=DEFAULT_CRASHES, help="where crashing inputs go")
    parser.add_argument("--map", action="store_true", help="also map the fiches to RDF")
    parser.add_argument("--max-restarts", type=int, default=20, help="runs after crashes, at most")
    parser.add_argument("--verbose", action="store_true", help="show libFuzzer's output")
    parser.add_argument("--replay", type=Path, nargs="+", help="run these saved inputs and stop")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("libfuzzer", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.libfuzzer, args.map)
        return 0
    if args.replay:
        return replay(args.replay, args.map)
    return fuzz(args)


if __name__ == "__main__":
    sys.exit(main())
