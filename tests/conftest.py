"""Shared pytest set-up: make the repository importable as ``ansible_collections.onebox.vps``.

The collection's Python code imports itself by its collection path, as Ansible loads it.
A checkout is not laid out that way, so a throwaway ``ansible_collections/onebox/vps``
symlink to the repository root is made in a temporary directory and put on ``sys.path``.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _collection_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="onebox-collections-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    ns = root / "ansible_collections" / "onebox"
    ns.mkdir(parents=True)
    (ns / "vps").symlink_to(REPO, target_is_directory=True)
    return root


if "ansible_collections.onebox.vps" not in sys.modules:
    sys.path.insert(0, str(_collection_root()))
