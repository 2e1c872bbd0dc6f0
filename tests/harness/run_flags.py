"""Print the `docker run` flags of a test target from molecule/resources/platform.yml (the one
list of safe capabilities, security options, mounts and tmpfs), shell-quoted on one line.
Used by demo.sh and bench_lynis.sh, which start targets without molecule."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml

PLATFORM = Path(__file__).resolve().parents[2] / "molecule/resources/platform.yml"


def run_flags() -> list[str]:
    base = yaml.safe_load(PLATFORM.read_text())["onebox_platform"]
    flags = [f"--cap-add={c}" for c in base["capabilities"]]
    flags += [f"--security-opt={o}" for o in base["security_opts"]]
    flags += [f"--cgroupns={base['cgroupns_mode']}"]
    flags += [f"--tmpfs={t}" for t in base["tmpfs"]]
    flags += [f"--volume={v}" for v in base["volumes"]]
    return flags


if __name__ == "__main__":
    print(" ".join(shlex.quote(f) for f in run_flags()))
