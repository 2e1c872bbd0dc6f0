# Copyright: onebox.vps maintainers
# MIT License (see LICENSE at the root of the collection, or https://opensource.org/license/mit)
# SPDX-License-Identifier: MIT

# The work is done on the controller by the action plugin of the same name
# (plugins/action/vault_update.py); this file holds its documentation.

DOCUMENTATION = r"""
---
module: vault_update
short_description: Change values in an inventory vault file, keeping it encrypted
description:
  - Decrypts an ansible-vault file with the vault secrets given to the playbook run, sets or
    removes values (comments, key order and other keys are kept; values are written as quoted
    strings) and encrypts the file again with the same vault id.
  - The result is read back and compared with what was asked for before the file is replaced,
    and the new ciphertext is decrypted once more; a file that cannot be changed faithfully
    fails the task and is left as it was.
  - Runs on the controller; nothing is sent to the managed host. No value is returned.
  - Used by C(playbooks/rotate_secrets.yml).
version_added: 0.1.0
author:
  - onebox.vps maintainers (@onebox)
options:
  path:
    description: Path of the vault file on the controller.
    type: path
    required: true
  updates:
    description: Changes to make, in order.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Keys leading to the value from the top of the file; missing mappings are made.
        type: list
        elements: str
        required: true
      value:
        description: The new value (written as a string). Required unless O(updates[].state=absent).
        type: str
      state:
        description: V(present) sets the value, V(absent) removes the key.
        type: str
        choices: [present, absent]
        default: present
requirements:
  - ruamel.yaml on the controller
extends_documentation_fragment:
  - onebox.vps.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
notes:
  - The playbook run must have a vault secret (C(--vault-password-file), C(--vault-id) or
    C(--ask-vault-pass)); a plain file is encrypted with the first one.
"""

EXAMPLES = r"""
- name: Store a new signing key and keep the previous one
  onebox.vps.vault_update:
    path: "{{ inventory_dir }}/group_vars/onebox/vault.yml"
    updates:
      - path: [vault_app_secret_values, JWT_SECRET]
        value: "{{ new_value }}"
      - path: [vault_app_secret_values, JWT_SECRET_PREVIOUS]
        value: "{{ vault_app_secret_values.JWT_SECRET }}"
  delegate_to: localhost
  no_log: true
"""

RETURN = r"""
path:
  description: The vault file.
  returned: always
  type: str
encrypted:
  description: The file is encrypted (always true afterwards).
  returned: always
  type: bool
"""
