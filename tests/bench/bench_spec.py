"""Benchmark of the spec parser (not a test): accuracy over the corpus, parse time and peak
memory per reference document, and the time of 1 MB documents.

Usage: python tests/bench/bench_spec.py [--runs N]   (called by `make bench`)

Accuracy: every value and finding a corpus case's expected.yml states (tests/corpus/README.md),
per variable, for the whole corpus and for the four sets written after the parser (46-63,
64-77, 78-81, 82-91; each was measured once before the parser was tuned on it, see
docs/spec-format.md). Times: what the spec_to_vars filter does with a document it has not
seen (the whole pure pipeline: repair, Markdown, facts, variables, findings), without the
result cache, the median of N runs. Nothing here is asserted: the figures are printed.
"""

from __future__ import annotations

import argparse
import atexit
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "specs"
sys.path.insert(0, str(REPO / "tests"))

import spec_corpus  # noqa: E402


def _import_core():
    """Import the core as Ansible does, through an ansible_collections/onebox/vps link."""
    root = Path(tempfile.mkdtemp(prefix="onebox-bench-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    (root / "ansible_collections" / "onebox").mkdir(parents=True)
    (root / "ansible_collections" / "onebox" / "vps").symlink_to(REPO, target_is_directory=True)
    sys.path.insert(0, str(root))
    from ansible_collections.onebox.vps.plugins.plugin_utils import spec_markdown, spec_parser

    return spec_parser, spec_markdown


def accuracy(core) -> None:
    per_var: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    bands: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    cases = spec_corpus.cases()
    for case in cases:
        score = spec_corpus.score(case, core.analyse(case.text, case.document.name))
        band = (
            "01-45"
            if case.name < "46"
            else "46-63"
            if case.name < "64"
            else "64-77"
            if case.name < "78"
            else "78-81"
            if case.name < "82"
            else "82-91"
        )
        for var, _label, ok, _want, _got in score.values:
            per_var[var][0] += ok
            per_var[var][1] += 1
            bands[band][0] += ok
            bands[band][1] += 1
        expected = len(case.expected.get("findings") or [])
        bands[band][2] += expected - len(score.missing_findings)
        bands[band][3] += expected
    right = sum(v[0] for v in per_var.values())
    total = sum(v[1] for v in per_var.values())
    print(f"spec corpus: {len(cases)} documents, {total} stated values")
    print(f"{'variable':28} {'right':>6} {'stated':>6} {'accuracy':>9}")
    for var, (ok, count) in sorted(per_var.items(), key=lambda kv: (kv[1][0] / kv[1][1], kv[0])):
        print(f"{var:28} {ok:6d} {count:6d} {ok / count:9.1%}")
    print(f"{'all':28} {right:6d} {total:6d} {right / total:9.1%}")
    for band, (ok, count, found, expected) in sorted(bands.items()):
        print(
            f"  cases {band}: values {ok}/{count} ({ok / count:.1%}), findings {found}/{expected}"
        )


def _timed(core, text: str, name: str, runs: int) -> tuple[list[float], object]:
    times: list[float] = []
    for _i in range(runs):
        core._CACHE.clear()
        start = time.perf_counter()
        core.spec_to_vars(text, name)
        times.append(time.perf_counter() - start)
    return times, core.analyse(text, name)


def _large(kind: str) -> str:
    """About 1 MB: the corpus documents one after another, or the unfilled template with a
    placeholder on every line (the document that took 51 s before)."""
    if kind == "template":
        base = (FIXTURES / "002_38cffb3338726a16.txt").read_text(encoding="utf-8")
        lines = [f"- **Port {i}**: [e.g., {i}] <your-domain-{i}> TBD" for i in range(200)]
        unit = base + "\n" + "\n".join(lines) + "\n"
    else:
        unit = "\n\n".join(
            c.text for c in spec_corpus.cases() if c.document.suffix in {".md", ".txt"}
        )
    return (unit * (1_000_000 // len(unit) + 1))[:1_000_000]


def timings(core, markdown, runs: int) -> None:
    core.analyse("# warm-up\n\n- **Port**: 1\n")
    print(
        f"\nspec parser ({markdown.parse_markdown.__module__}: "
        f"{', '.join(markdown.PARSERS)}): median of {runs} runs, peak memory of one run"
    )
    print(
        f"{'document':28} {'bytes':>8} {'median ms':>10} {'min ms':>8} {'peak KiB':>9} "
        f"{'findings':>8}"
    )
    docs = [(p.name, p.read_text(encoding="utf-8"), runs) for p in sorted(FIXTURES.glob("*.txt"))]
    docs += [("1 MB corpus mix", _large("mix"), 3), ("1 MB template", _large("template"), 3)]
    for name, text, count in docs:
        times, result = _timed(core, text, name, count)
        core._CACHE.clear()
        tracemalloc.start()
        core.analyse(text, name)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(
            f"{name:28} {len(text.encode()):8d} {statistics.median(times) * 1000:10.1f} "
            f"{min(times) * 1000:8.1f} {peak / 1024:9.0f} {len(result.findings):8d}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="timed runs per document (default 21)")
    args = parser.parse_args()
    core, markdown = _import_core()
    accuracy(core)
    timings(core, markdown, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
