"""playbooks/backup.yml names the spec's off-site target in a reminder and copies nothing there.

The reminder task is taken out of the runbook as it is and played on localhost with the
variables the runbook has at that point (a whole backup needs a converged host: the molecule
scenario ``runbooks``).
"""

from __future__ import annotations

import pytest
import yaml

from .helpers import REPO, local_play, recap

RUNBOOK = yaml.safe_load((REPO / "playbooks/backup.yml").read_text())


def _reminder() -> dict:
    (task,) = [t for t in RUNBOOK[0]["tasks"] if t["name"].startswith("Remind")]
    return task


def _play(tmp_path, variables: dict) -> tuple[str, dict]:
    play = [
        {
            "name": "The off-site reminder of backup.yml",
            "hosts": "localhost",
            "gather_facts": False,
            "vars": {
                "backup_dir": "/var/backups/onebox/shop",
                "runbook_context": {"project": "shop"},
                "__bk_stamp": "20261201T053000Z",
            },
            "tasks": [_reminder()],
        }
    ]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play))
    proc = local_play(
        tmp_path / "play.yml", variables=variables, env={"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"}
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    return out, recap(out)["localhost"]


def test_the_reminder_is_the_runbooks_last_word():
    tasks = RUNBOOK[0]["tasks"]
    assert tasks[-1] is _reminder()
    assert list(tasks[-1]) == ["name", "ansible.builtin.debug", "vars", "when"]


@pytest.mark.parametrize(
    ("variables", "where"),
    [
        (
            {"onebox_spec": {"backup_offsite_target": "s3://shop-backups/prod"}},
            "after fetching it to the controller (-e backup_fetch_dir=<dir>)",
        ),
        (
            {
                "onebox_spec": {"backup_offsite_target": "s3://shop-backups/prod"},
                "backup_fetch_dir": "/home/ops/backups",
            },
            "from /home/ops/backups/shop-20261201T053000Z.tar on the controller",
        ),
    ],
)
def test_a_target_in_the_spec_is_named_as_not_copied(tmp_path, variables, where):
    out, stats = _play(tmp_path, variables)
    assert stats["ok"] == 1
    assert "Off-site copy NOT made: s3://shop-backups/prod is the backups' off-site target" in out
    assert where in out


def test_the_inventory_can_name_the_target(tmp_path):
    out, stats = _play(
        tmp_path, {"onebox_spec": {"backup_offsite_target": None}, "backup_offsite_target": "rsync"}
    )
    assert stats["ok"] == 1 and "Off-site copy NOT made: rsync is" in out


@pytest.mark.parametrize(
    "variables", [{}, {"onebox_spec": {}}, {"onebox_spec": {"backup_offsite_target": None}}]
)
def test_no_target_no_reminder(tmp_path, variables):
    out, stats = _play(tmp_path, variables)
    assert stats["ok"] == 0 and "Off-site" not in out
