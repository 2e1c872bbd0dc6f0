"""The filter ``onebox.vps.x509_info``: the names and the end date of a PEM certificate, read on
the controller (the certbot role slurps the issued certificate and compares its names with the
ones wanted, without running openssl on the host).

It parses with the Python package ``cryptography``, which ansible-core itself depends on, so it
is on every controller; it is imported in a ``try`` all the same, and a filter call without it
fails with an error naming the package. Documentation is in the sidecar file ``x509_info.yml``
next to this file.
"""

from __future__ import annotations

import datetime
from typing import Any

from ansible.errors import AnsibleFilterError
from ansible_collections.onebox.vps.plugins.plugin_utils.requirements import (
    MissingPackageError,
    require,
)

try:  # ansible-core >= 2.19: AnsibleFilterTypeError is a deprecated alias of AnsibleTypeError
    from ansible.errors import AnsibleTypeError as AnsibleFilterTypeError
except ImportError:  # older ansible-core
    from ansible.errors import AnsibleFilterTypeError

try:
    from cryptography import x509
    from cryptography.x509.oid import NameOID
except ImportError as exc:  # x509_info() names it when it is called
    IMPORT_ERRORS: dict[str, ImportError | None] = {"cryptography": exc}
else:
    IMPORT_ERRORS = {"cryptography": None}

PEM_BEGIN = "-----BEGIN CERTIFICATE-----"


def _not_after(cert: Any) -> datetime.datetime:
    """The end of the certificate's validity, as an aware UTC datetime."""
    try:  # cryptography >= 42
        return cert.not_valid_after_utc
    except AttributeError:  # older cryptography: a naive datetime in UTC
        return cert.not_valid_after.replace(tzinfo=datetime.UTC)


def x509_info(value: Any) -> dict[str, Any]:
    """``{names, not_after}`` of the first certificate of the PEM text *value*: its DNS subject
    alternative names in the certificate's order, or its common name when it has none (an empty
    list when it has neither), and the end of its validity as ISO 8601 in UTC
    (``2026-03-01T12:00:00+00:00``)."""
    name = "x509_info"
    try:
        require(IMPORT_ERRORS)
    except MissingPackageError as exc:
        raise AnsibleFilterError(exc.message(f"onebox.vps.{name}")) from exc
    if isinstance(value, str):
        data = value.encode("utf-8", errors="replace")
    elif isinstance(value, bytes):
        data = value
    else:
        raise AnsibleFilterTypeError(
            f"{name}: expected a PEM certificate as a string, got {type(value).__name__}"
        )
    if PEM_BEGIN.encode() not in data:
        raise AnsibleFilterError(f"{name}: the input holds no {PEM_BEGIN} block")
    try:
        cert = x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise AnsibleFilterError(f"{name}: cannot read the PEM certificate: {exc}") from exc
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        names = []
    except ValueError as exc:  # an extension that does not parse
        raise AnsibleFilterError(
            f"{name}: cannot read the certificate's extensions: {exc}"
        ) from exc
    else:
        names = [str(n) for n in san.value.get_values_for_type(x509.DNSName)]
    if not names:
        names = [
            str(attr.value) for attr in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        ]
    return {"names": names, "not_after": _not_after(cert).isoformat()}


class FilterModule:
    """onebox.vps filter reading a certificate on the controller."""

    def filters(self) -> dict[str, Any]:
        return {"x509_info": x509_info}
