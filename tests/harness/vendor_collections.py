"""Vendor the Ansible collections the project needs, without Galaxy.

Galaxy is not reachable on our machines, so community.docker, community.general and
ansible.posix are taken out of the ``ansible`` community package wheel from PyPI, at the
versions pinned in pyproject.toml ([tool.onebox.collections]), into
``.harness/collections``. It also makes ``.harness/self/ansible_collections/onebox/vps``
a relative symlink to this checkout, so the repository resolves as ``onebox.vps``.
Idempotent: it does nothing when the right versions are already there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORK = REPO / os.environ.get("HARNESS_DIR", ".harness")


def installed_version(dest: Path, fqcn: str) -> str | None:
    manifest = dest / "ansible_collections" / Path(*fqcn.split(".")) / "MANIFEST.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text())["collection_info"]["version"]


def main() -> int:
    pins = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["onebox"]["collections"]
    wheel_req = pins.pop("ansible_wheel")
    dest = WORK / "collections"
    if any(installed_version(dest, name) != version for name, version in pins.items()):
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "-q",
                    "--no-deps",
                    "--disable-pip-version-check",
                    "-d",
                    tmp,
                    wheel_req,
                ],
                check=True,
            )
            (wheel,) = Path(tmp).glob("ansible-*.whl")
            prefixes = tuple("ansible_collections/" + name.replace(".", "/") + "/" for name in pins)
            with zipfile.ZipFile(wheel) as zf:
                zf.extractall(dest, [n for n in zf.namelist() if n.startswith(prefixes)])
    for name, version in pins.items():
        got = installed_version(dest, name)
        if got != version:
            print(
                f"vendor_collections.py: {name} is {got}, pyproject.toml pins {version}",
                file=sys.stderr,
            )
            return 1
        print(f"vendor_collections.py: {name} {got}")

    link = WORK / "self" / "ansible_collections" / "onebox" / "vps"
    link.parent.mkdir(parents=True, exist_ok=True)
    target = os.path.relpath(REPO, link.parent)
    if not link.is_symlink() or os.readlink(link) != target:
        if link.is_symlink():
            link.unlink()
        link.symlink_to(target, target_is_directory=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
