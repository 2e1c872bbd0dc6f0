"""The Ansible adapter (plugins/filter/spec.py), its documentation and the filter_plugins shim."""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.onebox.vps.plugins.filter import spec as adapter
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_parser as sp
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "specs"
DOC_001 = (FIXTURES / "001_36153ecda6a937a2.txt").read_text(encoding="utf-8")
DOC_002 = (FIXTURES / "002_38cffb3338726a16.txt").read_text(encoding="utf-8")
FILTERS = adapter.FilterModule().filters()


def test_filter_names():
    assert sorted(FILTERS) == ["spec_explain", "spec_findings", "spec_to_vars"]


def test_filters_return_the_core_results():
    assert FILTERS["spec_to_vars"](DOC_001) == sp.spec_to_vars(DOC_001)
    assert FILTERS["spec_findings"](DOC_001) == sp.spec_findings(DOC_001)
    assert FILTERS["spec_explain"](DOC_001)["app_port"]["line"] == 108


@pytest.mark.parametrize("name", sorted(FILTERS))
@pytest.mark.parametrize("value", [None, 3, ["a"], {"a": 1}, b"bytes"])
def test_wrong_input_type_is_a_type_error(name, value):
    with pytest.raises(adapter.AnsibleFilterTypeError, match="expects the text"):
        FILTERS[name](value)


def test_wrong_option_types():
    with pytest.raises(adapter.AnsibleFilterTypeError, match="strict must be a boolean"):
        FILTERS["spec_to_vars"](DOC_001, strict="yes")
    with pytest.raises(adapter.AnsibleFilterTypeError, match="source must be a string"):
        FILTERS["spec_findings"](DOC_001, source=1)


def test_parser_error_becomes_filter_error():
    with pytest.raises(
        AnsibleFilterError, match=r"spec_to_vars: spec.md, line 1: the document is empty"
    ) as info:
        FILTERS["spec_to_vars"]("", source="spec.md")
    assert isinstance(info.value.__cause__, sp.SpecError)
    assert not isinstance(info.value, TypeError)


def test_strict_lists_every_error_finding():
    findings = sp.spec_findings(DOC_002)
    errors = [f for f in findings if f["level"] == "error" or f["code"] in sp.STRICT_CODES]
    assert len([f for f in errors if f["level"] == "error"]) >= 4
    with pytest.raises(AnsibleFilterError) as info:
        FILTERS["spec_to_vars"](DOC_002, strict=True, source="002.txt")
    message = str(info.value)
    assert f"002.txt has {len(errors)} error finding(s)" in message
    for finding in errors:
        assert finding["message"] in message
    assert "line 39, under 'Port and Endpoint Mapping'" in message


def test_strict_passes_a_spec_without_errors():
    # 001 gives no image: strict needs the inventory to provide it
    strict = FILTERS["spec_to_vars"](DOC_001, strict=True, provided=["app_image"])
    assert strict == sp.spec_to_vars(DOC_001)


def test_strict_refuses_a_spec_without_an_image_unless_the_inventory_gives_one():
    with pytest.raises(AnsibleFilterError, match=r"\[app-image-missing\]") as info:
        FILTERS["spec_to_vars"](DOC_001, strict=True, source="001.txt")
    assert "001.txt has 1 error finding(s)" in str(info.value)
    with pytest.raises(adapter.AnsibleFilterTypeError, match="provided must be a list"):
        FILTERS["spec_to_vars"](DOC_001, strict=True, provided="app_image")


@pytest.mark.parametrize(
    ("blocked", "package"),
    [("markdown_it", "markdown-it-py"), ("ftfy", "ftfy"), ("ruamel", "ruamel.yaml")],
)
def test_missing_libraries_give_an_install_hint(blocked, package):
    """Every plugin imports without its optional packages (ansible-test sanity's import
    test); the call that needs one fails naming the package and the pip command."""
    probe = textwrap.dedent(
        f"""
        import sys
        sys.modules[{blocked!r}] = None  # 'import {blocked}' now raises ImportError
        from ansible.errors import AnsibleError
        from ansible_collections.onebox.vps.plugins.action import vault_update
        from ansible_collections.onebox.vps.plugins.filter import spec
        from ansible_collections.onebox.vps.plugins.plugin_utils import spec_parser, vault_yaml
        try:
            if {blocked!r} == "ruamel":
                vault_yaml.apply_updates("a: 1\\n", [{{"path": ["a"], "value": "2"}}])
            else:
                spec.FilterModule().filters()["spec_to_vars"]("# Spec\\n\\nPort: 3000 \\u00e9\\n")
        except (AnsibleError, vault_yaml.MissingPackageError) as exc:
            print(exc.message("onebox.vps.vault_update") if {blocked!r} == "ruamel" else exc)
        """
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    plugin = "onebox.vps.vault_update" if blocked == "ruamel" else "onebox.vps.spec_to_vars"
    assert f"{plugin} needs the Python package {package} on the controller" in done.stdout
    assert f"pip install {package} " in done.stdout


def test_loading_the_filters_does_not_import_the_parser():
    """ansible-core loads the filter plugins at every task that uses a filter by its short
    name: loading them must stay cheap, the parser comes with the first call."""
    probe = textwrap.dedent(
        """
        import sys
        from ansible_collections.onebox.vps.plugins.filter import spec
        filters = spec.FilterModule().filters()
        loaded = sorted(m for m in sys.modules if m.split(".")[-1] in {"spec_parser", "ftfy"})
        print(",".join(loaded) or "none")
        filters["spec_findings"]("# Spec\\n\\n- **Port**: 3000\\n")
        print("spec_parser" in {m.split(".")[-1] for m in sys.modules})
        """
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["none", "True"]


def test_shim_exports_the_canonical_class():
    path = REPO / "filter_plugins" / "onebox_vps.py"
    spec = importlib.util.spec_from_file_location("onebox_vps_shim", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.FilterModule is adapter.FilterModule
    assert len(path.read_text(encoding="utf-8").splitlines()) < 15


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_sidecar_documentation_matches_the_function(name):
    docs = yaml.safe_load((REPO / "plugins" / "filter" / f"{name}.yml").read_text(encoding="utf-8"))
    assert set(docs) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    assert docs["DOCUMENTATION"]["name"] == name
    documented = set(docs["DOCUMENTATION"]["options"]) - {"_input"}
    parameters = set(inspect.signature(FILTERS[name]).parameters) - {"value"}
    assert documented == parameters
    assert f"onebox.vps.{name}" in docs["EXAMPLES"]


def _pins(group: str) -> dict[str, str]:
    """{name: version} of a dependency group of pyproject.toml, whose entries are all exact."""
    groups = tomllib.loads((REPO / "pyproject.toml").read_text())["dependency-groups"]
    pins = {}
    for line in groups[group]:
        if isinstance(line, str):
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", line
            pins[canonicalize_name(req.name)] = spec.version
    return pins


def test_requirements_ranges_admit_the_pins_and_their_floors_are_the_oldest_group():
    """requirements.txt holds ranges (for installs and the execution environment); the test
    venv's exact pins (group runtime) lie in them, and their floors are what `make oldest`
    tests (group oldest, with ansible-core at the floor of requires_ansible)."""
    ranges = {
        canonicalize_name(req.name): req.specifier
        for req in (
            Requirement(ln)
            for ln in (REPO / "requirements.txt").read_text().splitlines()
            if ln and not ln.startswith("#")
        )
    }
    runtime, oldest = _pins("runtime"), _pins("oldest")
    assert set(ranges) == set(runtime)
    for name, spec in ranges.items():
        assert runtime[name] in spec, name
        floors = [s.version for s in spec if s.operator == ">="]
        uppers = [s for s in spec if s.operator == "<"]
        assert len(floors) == 1 and len(uppers) == 1, f"{name}: want >=x,<y, got {spec}"
        assert oldest[name] == floors[0], name
    required = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())["requires_ansible"]
    assert required == f">={oldest['ansible-core']}"


def _run_playbook(tmp_path: Path, playbook: str, inventory: str, role_defaults: str) -> dict:
    """Run ansible-playbook on localhost with the checkout as collection onebox.vps."""
    collections = tmp_path / "collections"
    (collections / "ansible_collections" / "onebox").mkdir(parents=True)
    (collections / "ansible_collections" / "onebox" / "vps").symlink_to(
        REPO, target_is_directory=True
    )
    (tmp_path / "filter_plugins").symlink_to(REPO / "filter_plugins", target_is_directory=True)
    (tmp_path / "roles" / "probe" / "defaults").mkdir(parents=True)
    (tmp_path / "roles" / "probe" / "tasks").mkdir(parents=True)
    (tmp_path / "roles" / "probe" / "defaults" / "main.yml").write_text(role_defaults)
    (tmp_path / "roles" / "probe" / "tasks" / "main.yml").write_text(
        "- name: Show the resolved variables\n"
        "  ansible.builtin.debug:\n"
        "    msg: \"RESOLVED={{ {'app_port': app_port, 'app_replicas': app_replicas,"
        " 'app_domain': app_domain,"
        " 'app_health_path': app_health_path, 'short_name': short_name} | to_json }}=END\"\n"
    )
    (tmp_path / "spec.md").write_text(DOC_001, encoding="utf-8")
    (tmp_path / "inventory.yml").write_text(inventory)
    (tmp_path / "play.yml").write_text(playbook)
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(collections),
        ANSIBLE_ROLES_PATH=str(tmp_path / "roles"),
        ANSIBLE_CONFIG=str(tmp_path / "none.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCAL_TEMP=str(tmp_path),
        ANSIBLE_HOME=str(tmp_path / "home"),
        ANSIBLE_DEPRECATION_WARNINGS="0",
    )
    command = [
        str(Path(sys.executable).with_name("ansible-playbook")),
        "-i",
        "inventory.yml",
        "play.yml",
    ]
    run = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    resolved = run.stdout.split("RESOLVED=", 1)[1].split("=END", 1)[0]
    return json.loads(resolved.replace('\\"', '"'))


def test_precedence_inventory_over_spec_over_role_defaults_fqcn_and_shim(tmp_path):
    """Inventory wins over the spec, the spec wins over role defaults; both filter doors work.

    The pattern the roles follow: role defaults take the spec's value (with the role's own
    fallback when the spec has none), so anything set in the inventory, which outranks role
    defaults, wins. The short filter name comes from the filter_plugins shim next to the play.
    """
    playbook = textwrap.dedent(
        """\
        - name: Probe precedence
          hosts: box
          gather_facts: false
          vars:
            onebox_spec: "{{ lookup('ansible.builtin.file', 'spec.md') | onebox.vps.spec_to_vars }}"
            short_name: "{{ (lookup('ansible.builtin.file', 'spec.md') | spec_to_vars).app_name }}"
          roles:
            - probe
        """
    )
    inventory = "all:\n  hosts:\n    box:\n      ansible_connection: local\n      app_port: 8080\n"
    defaults = textwrap.dedent(
        """\
        app_port: "{{ onebox_spec.app_port | default(3000) }}"
        app_replicas: "{{ onebox_spec.app_replicas | default(1) }}"
        app_domain: "{{ onebox_spec.app_domain | default('localhost', true) }}"
        app_health_path: "{{ onebox_spec.app_health_path | default('/health') }}"
        """
    )
    seen = _run_playbook(tmp_path, playbook, inventory, defaults)
    assert seen["app_port"] == 8080  # inventory (host var) beats spec 3801
    assert seen["app_domain"] == "api.escalating-reminders.com"  # spec beats role default
    assert seen["app_health_path"] == "/health"
    assert seen["app_replicas"] == 1
    assert seen["short_name"] == "escalating-reminders"  # same code through filter_plugins/
