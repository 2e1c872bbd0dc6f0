"""Every Python plugin of the collection imports with the ansible-core it runs on.

`make oldest` runs tests/unit with the oldest ansible-core meta/runtime.yml's requires_ansible
allows, so an import only a later ansible-core has (such as ansible.template.trust_as_template,
new in 2.19) fails here rather than in a user's play.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
MODULES = sorted(
    f"{path.parent.name}.{path.stem}"
    for kind in ("action", "filter", "modules", "plugin_utils")
    for path in (PLUGINS / kind).glob("*.py")
    if path.stem != "__init__"
)


def test_there_are_plugins():
    assert len(MODULES) > 20


@pytest.mark.parametrize("name", MODULES)
def test_plugin_imports(name):
    importlib.import_module(f"ansible_collections.onebox.vps.plugins.{name}")
