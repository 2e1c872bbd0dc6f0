"""Benchmark of the spec parser (not a test): parse time and peak memory per reference document.

Usage: python tests/bench/bench_spec.py [--runs N]   (called by `make bench`)

Times the whole pure pipeline (repair, Markdown, facts, variables) without the result
cache, and reports the median of N runs and the peak traced allocation of one run.
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
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "specs"


def _import_core():
    """Import the core as Ansible does, through an ansible_collections/onebox/vps link."""
    root = Path(tempfile.mkdtemp(prefix="onebox-bench-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    (root / "ansible_collections" / "onebox").mkdir(parents=True)
    (root / "ansible_collections" / "onebox" / "vps").symlink_to(REPO, target_is_directory=True)
    sys.path.insert(0, str(root))
    from ansible_collections.onebox.vps.plugins.plugin_utils import spec_parser

    return spec_parser


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="timed runs per document (default 21)")
    args = parser.parse_args()
    core = _import_core()
    core.analyse("# warm-up\n\n- **Port**: 1\n")
    print(f"spec parser: median of {args.runs} runs, peak memory of one run (tracemalloc)")
    print(
        f"{'document':28} {'bytes':>7} {'median ms':>10} {'min ms':>8} {'peak KiB':>9} "
        f"{'vars':>5} {'findings':>8}"
    )
    for path in sorted(FIXTURES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        times = []
        for _ in range(args.runs):
            core._analyse_cached.cache_clear()
            start = time.perf_counter()
            result = core.analyse(text, path.name)
            times.append(time.perf_counter() - start)
        core._analyse_cached.cache_clear()
        tracemalloc.start()
        core.analyse(text, path.name)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(
            f"{path.name:28} {len(text.encode()):7d} {statistics.median(times) * 1000:10.1f} "
            f"{min(times) * 1000:8.1f} {peak / 1024:9.0f} {len(result.vars):5d} "
            f"{len(result.findings):8d}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
