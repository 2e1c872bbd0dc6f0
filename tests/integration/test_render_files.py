"""onebox.vps.render_files on localhost: the files ansible.builtin.template would write, one trip
to the host when nothing changed, drift repaired, check mode and validate respected."""

from __future__ import annotations

import os
import re
import stat
import textwrap
from pathlib import Path

import pytest

from .helpers import local_play, recap

TEMPLATES = {
    # trim_blocks, a loop, a trailing newline and ansible_managed, as roles write them
    "app.conf.j2": textwrap.dedent(
        """\
        # {{ ansible_managed }}
        {% for name in names %}
        server {{ name }}:{{ port }};
        {% endfor %}
        {% if extra %}
        extra = yes
        {% endif %}
        """
    ),
    "plain.j2": "port={{ port }}\n\n",
}

PLAYBOOK = textwrap.dedent(
    """\
    - name: Render files
      hosts: localhost
      connection: local
      gather_facts: false
      vars:
        names: [a, b]
        port: 8080
        extra: true
      tasks:
        - name: Several files in one task
          onebox.vps.render_files:
            mode: "0644"
            directories:
              - path: "{{ out }}/conf.d"
                mode: "0750"
            files:
              - src: app.conf.j2
                dest: "{{ out }}/conf.d/app.conf"
              - src: plain.j2
                dest: "{{ out }}/plain.conf"
                mode: "0600"
              - content: "literal\\n"
                dest: "{{ out }}/literal.txt"
                validate: "{{ validate | default('test -s %s') }}"
        - name: The same templates through ansible.builtin.template, to compare
          ansible.builtin.template:
            src: "{{ item }}.j2"
            dest: "{{ out }}/builtin-{{ item }}"
            mode: "0644"
          loop: [app.conf, plain]
          when: compare | default(false) | bool
    """
)


@pytest.fixture
def play(tmp_path: Path):
    (tmp_path / "templates").mkdir()
    for name, text in TEMPLATES.items():
        (tmp_path / "templates" / name).write_text(text, encoding="utf-8")
    (tmp_path / "play.yml").write_text(PLAYBOOK, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()

    def _run(*extra: str, env: dict[str, str] | None = None):
        done = local_play(tmp_path / "play.yml", "-e", f"out={out}", *extra, env=env)
        return done, recap(done.stdout).get("localhost")

    return _run, out


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_what_the_template_module_writes_then_nothing(play):
    playbook, out = play
    done, counts = playbook("-e", "compare=true")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "conf.d" / "app.conf").read_text() == (out / "builtin-app.conf").read_text()
    assert (out / "plain.conf").read_text() == (out / "builtin-plain").read_text()
    # read from the templates above: the loop, the condition and both trailing newlines
    assert (
        "server a:8080;\nserver b:8080;\nextra = yes\n" in (out / "conf.d" / "app.conf").read_text()
    )
    assert (out / "plain.conf").read_text() == "port=8080\n\n"
    assert (out / "literal.txt").read_text() == "literal\n"
    assert _mode(out / "plain.conf") == 0o600
    assert _mode(out / "conf.d" / "app.conf") == 0o644
    assert _mode(out / "conf.d") == 0o750  # made before the file that goes in it

    again, counts = playbook("-vvv")
    assert counts["changed"] == 0, again.stdout
    # the play's only command on the host (the comparison task is skipped): one module run,
    # the file_states look, where ansible.builtin.template makes five trips per file
    assert len(re.findall(r"^<localhost> EXEC ", again.stdout, re.M)) == 1, again.stdout


def test_repairs_drift_and_respects_check_mode(play):
    playbook, out = play
    assert playbook()[0].returncode == 0
    os.chmod(out / "plain.conf", 0o666)
    os.chmod(out / "conf.d", 0o755)
    (out / "conf.d" / "app.conf").write_text("edited by hand\n")

    checked, counts = playbook("--check", "--diff")
    assert counts["changed"] == 1, checked.stdout
    assert "edited by hand" in checked.stdout  # the diff shows what would go
    assert (out / "conf.d" / "app.conf").read_text() == "edited by hand\n"
    assert _mode(out / "plain.conf") == 0o666
    assert _mode(out / "conf.d") == 0o755

    fixed, counts = playbook()
    assert counts["changed"] == 1, fixed.stdout
    assert "server a:8080;" in (out / "conf.d" / "app.conf").read_text()
    assert _mode(out / "conf.d") == 0o750
    assert _mode(out / "plain.conf") == 0o600


def test_a_failed_validation_leaves_the_file(play):
    playbook, out = play
    assert playbook()[0].returncode == 0
    (out / "literal.txt").write_text("old\n")
    failed, counts = playbook("-e", "validate=false %s")
    assert counts["failed"] == 1, failed.stdout
    assert "literal.txt" in failed.stdout
    assert (out / "literal.txt").read_text() == "old\n"


def test_works_under_the_opt_in_mitogen_strategy(play):
    """docs/performance.md offers Mitogen's strategy as an opt-in: the action plugin must
    behave the same under it (written with the same content and mode, then unchanged)."""
    import ansible_mitogen  # in the test venv (pyproject.toml), as the bench uses it

    strategies = Path(ansible_mitogen.__file__).parent / "plugins" / "strategy"
    env = {"ANSIBLE_STRATEGY_PLUGINS": str(strategies), "ANSIBLE_STRATEGY": "mitogen_linear"}
    playbook, out = play
    first, counts = playbook(env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert counts["changed"] == 1
    assert (out / "plain.conf").read_text() == "port=8080\n\n"
    assert _mode(out / "plain.conf") == 0o600
    assert _mode(out / "conf.d") == 0o750
    again, counts = playbook(env=env)
    assert counts["changed"] == 0, again.stdout
