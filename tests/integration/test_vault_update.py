"""onebox.vps.vault_update on the controller: the vault file stays a valid, encrypted vault."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from .helpers import local_play, recap, run

PLAY = textwrap.dedent(
    """\
    - name: Change the vault
      hosts: localhost
      connection: local
      gather_facts: false
      tasks:
        - name: Rotate a value and keep the previous one
          onebox.vps.vault_update:
            path: "{{ vault_file }}"
            updates:
              - path: [vault_app_secret_values, JWT_SECRET]
                value: "{{ new_value }}"
              - path: [vault_app_secret_values, JWT_SECRET_PREVIOUS]
                value: "{{ previous_value }}"
          no_log: true
    """
)
VAULT = "---\n# test vault\nvault_app_secret_values:\n  JWT_SECRET: '0011'\n  OTHER: keep\n"


@pytest.fixture
def vault(tmp_path):
    password = tmp_path / "pw"
    password.write_text("test-only-password\n")
    file = tmp_path / "vault.yml"
    file.write_text(VAULT)
    enc = run(["ansible-vault", "encrypt", "--vault-password-file", str(password), str(file)])
    assert enc.returncode == 0, enc.stderr
    (tmp_path / "play.yml").write_text(PLAY)
    return tmp_path, file, password


def view(file, password) -> dict:
    proc = run(["ansible-vault", "view", "--vault-password-file", str(password), str(file)])
    assert proc.returncode == 0, proc.stderr
    return yaml.safe_load(proc.stdout)


def play(tmp_path, file, *extra):
    return local_play(
        tmp_path / "play.yml",
        *("-e", f"@{file}", "-e", f"vault_file={file}"),
        *("-e", "new_value=ffee", "-e", "previous_value=0011"),
        *extra,
    )


def test_values_are_changed_and_the_file_stays_an_encrypted_vault(vault):
    tmp_path, file, password = vault
    mode = file.stat().st_mode
    proc = play(tmp_path, file, "--vault-password-file", str(password))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert recap(out)["localhost"]["changed"] == 1
    assert file.read_text().startswith("$ANSIBLE_VAULT;1.1;AES256")
    assert file.stat().st_mode == mode
    assert view(file, password) == {
        "vault_app_secret_values": {
            "JWT_SECRET": "ffee",
            "JWT_SECRET_PREVIOUS": "0011",
            "OTHER": "keep",
        }
    }
    assert "ffee" not in out and "0011" not in out
    # the same change again: nothing to do
    again = play(tmp_path, file, "--vault-password-file", str(password))
    assert again.returncode == 0 and recap(again.stdout)["localhost"]["changed"] == 0


def test_a_vault_id_is_kept(tmp_path):
    password = tmp_path / "pw"
    password.write_text("test-only-password\n")
    file = tmp_path / "vault.yml"
    file.write_text(VAULT)
    enc = run(["ansible-vault", "encrypt", "--vault-id", f"prod@{password}", str(file)])
    assert enc.returncode == 0, enc.stderr
    (tmp_path / "play.yml").write_text(PLAY)
    proc = play(tmp_path, file, "--vault-id", f"prod@{password}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert file.read_text().startswith("$ANSIBLE_VAULT;1.2;AES256;prod")
    assert view(file, password)["vault_app_secret_values"]["JWT_SECRET"] == "ffee"


def test_check_mode_changes_nothing(vault):
    tmp_path, file, password = vault
    before = file.read_bytes()
    proc = play(tmp_path, file, "--vault-password-file", str(password), "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert file.read_bytes() == before
