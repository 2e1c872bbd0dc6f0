"""Action plugin ``onebox.vps.vault_update``: change values in an inventory vault file.

Runs on the controller only. The file is decrypted with the vault secrets the playbook run was
given (``--vault-password-file``, ``--vault-id``, ``--ask-vault-pass``), changed by the pure
core in ``plugins/plugin_utils/vault_yaml.py`` (comments and other keys kept) and encrypted
again with the same vault id, then written in place of the old file (same mode). A file that
was not encrypted is encrypted with the first vault secret. No value is ever returned.
Documentation: ``plugins/modules/vault_update.py``.
"""

from __future__ import annotations

import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.parsing.vault import VaultLib, is_encrypted, parse_vaulttext_envelope
from ansible.plugins.action import ActionBase
from ansible_collections.onebox.vps.plugins.plugin_utils.vault_yaml import (
    MissingPackageError,
    VaultYamlError,
    apply_updates,
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("path", "updates"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        path = self._task.args.get("path")
        updates = self._task.args.get("updates") or []
        if not path or not isinstance(updates, list):
            raise AnsibleActionFail("vault_update needs path and a list of updates")
        path = os.path.expanduser(path)
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except OSError as exc:
            raise AnsibleActionFail(f"cannot read {path}: {exc.strerror}") from exc

        secrets = list(getattr(getattr(self._loader, "_vault", None), "secrets", None) or [])
        if not secrets:
            raise AnsibleActionFail(
                f"no vault secret was given to this run, so {path} cannot be written encrypted: "
                "run with --vault-password-file, --vault-id or --ask-vault-pass"
            )
        vault = VaultLib(secrets)
        encrypted = is_encrypted(raw)
        if encrypted:
            _cipher, _version, _cipher_name, vault_id = parse_vaulttext_envelope(raw)
            plaintext, used_id, _secret = vault.decrypt_and_get_vault_id(raw)
            vault_id = vault_id or used_id
            text = to_text(plaintext)
        else:
            vault_id = secrets[0][0]
            text = to_text(raw)
        secret = next((s for vid, s in secrets if vid == vault_id), None)
        if secret is None:
            vault_id, secret = secrets[0]

        try:
            new_text = apply_updates(text, updates)
        except VaultYamlError as exc:
            raise AnsibleActionFail(f"{path}: {exc}") from exc
        except MissingPackageError as exc:
            raise AnsibleActionFail(exc.message("onebox.vps.vault_update")) from exc

        result.update(changed=new_text != text or not encrypted, path=path, encrypted=True)
        if not result["changed"] or self._play_context.check_mode:
            return result

        ciphertext = vault.encrypt(
            to_bytes(new_text),
            secret=secret,
            vault_id=vault_id if vault_id not in (None, "default") else None,
        )
        # the written file must decrypt to what was meant before it replaces the old one
        if to_text(vault.decrypt(ciphertext)) != new_text:
            raise AnsibleActionFail(f"{path}: the re-encrypted file does not decrypt back")
        mode = os.stat(path).st_mode & 0o7777
        fd, tmp_path = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".vault-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(ciphertext)
            os.chmod(tmp_path, mode)
            os.replace(tmp_path, path)
        except OSError as exc:
            if os.path.exists(tmp_path):
                os.unlink(tmp_path)
            raise AnsibleActionFail(f"cannot write {path}: {exc.strerror}") from exc
        return result
