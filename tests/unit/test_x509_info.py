"""onebox.vps.x509_info on certificates made here with cryptography: the names and end dates
expected are the ones put into them."""

from __future__ import annotations

import datetime
import inspect
import ipaddress
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.onebox.vps.plugins.filter import x509 as x509_filter
from ansible_collections.onebox.vps.plugins.filter.x509 import FilterModule, x509_info
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

REPO = Path(__file__).resolve().parents[2]
KEY = ec.generate_private_key(ec.SECP256R1())
START = datetime.datetime(2026, 1, 1, 0, 0, 0, tzinfo=datetime.UTC)
END = datetime.datetime(2026, 3, 31, 23, 59, 58, tzinfo=datetime.UTC)


def certificate(cn: str | None, sans: list[x509.GeneralName] | None, end=END) -> str:
    """A self-signed certificate as PEM text, with common name *cn* and the subject alternative
    names *sans* (no extension when None)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else [])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test issuer")]))
        .public_key(KEY.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(START)
        .not_valid_after(end)
    )
    if sans is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    cert = builder.sign(KEY, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_dns_names_in_the_certificate_order():
    pem = certificate(
        "example.com",
        [x509.DNSName("example.com"), x509.DNSName("www.example.com"), x509.DNSName("a.example")],
    )
    assert x509_info(pem) == {
        "names": ["example.com", "www.example.com", "a.example"],
        "not_after": "2026-03-31T23:59:58+00:00",
    }


def test_the_names_are_as_written_not_lowered():
    # the certbot role lowers them before it compares
    assert x509_info(certificate(None, [x509.DNSName("WWW.Example.COM")]))["names"] == [
        "WWW.Example.COM"
    ]


def test_other_kinds_of_alternative_name_are_left_out():
    pem = certificate(
        "cn.example",
        [
            x509.IPAddress(ipaddress.ip_address("192.0.2.1")),
            x509.DNSName("app.example"),
            x509.RFC822Name("ops@example.com"),
        ],
    )
    assert x509_info(pem)["names"] == ["app.example"]


def test_the_common_name_without_dns_names():
    assert x509_info(certificate("only-cn.example", None))["names"] == ["only-cn.example"]
    # an alternative names extension with no DNS name: the common name too
    pem = certificate("ip-only.example", [x509.IPAddress(ipaddress.ip_address("192.0.2.1"))])
    assert x509_info(pem)["names"] == ["ip-only.example"]


def test_neither_names_nothing():
    assert x509_info(certificate(None, None))["names"] == []


def test_the_end_date_is_utc():
    end = datetime.datetime(
        2030, 7, 4, 5, 6, 7, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    )
    # 05:06:07 at UTC+2 is 03:06:07 UTC
    assert (
        x509_info(certificate("x.example", None, end))["not_after"] == "2030-07-04T03:06:07+00:00"
    )


def test_a_chain_gives_the_first_certificate_and_bytes_work():
    first = certificate("leaf.example", [x509.DNSName("leaf.example")])
    second = certificate("issuer.example", [x509.DNSName("issuer.example")])
    assert x509_info(first + second)["names"] == ["leaf.example"]
    assert x509_info(first.encode())["names"] == ["leaf.example"]


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("", "holds no -----BEGIN CERTIFICATE----- block"),
        ("not a certificate", "holds no -----BEGIN CERTIFICATE----- block"),
        (
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "cannot read the PEM certificate",
        ),
    ],
)
def test_what_is_not_a_certificate_is_an_error(value, named):
    with pytest.raises(AnsibleFilterError, match="x509_info: ") as err:
        x509_info(value)
    assert named in str(err.value)


def test_not_a_string():
    with pytest.raises(Exception, match="x509_info: expected a PEM certificate"):
        x509_info(None)


def test_without_cryptography_the_error_names_it(monkeypatch):
    monkeypatch.setattr(
        x509_filter,
        "IMPORT_ERRORS",
        {"cryptography": ImportError("No module named 'cryptography'")},
    )
    with pytest.raises(
        AnsibleFilterError, match=r"onebox\.vps\.x509_info needs the Python package cryptography"
    ):
        x509_info(certificate("x.example", None))


def test_the_filter_is_registered():
    assert FilterModule().filters()["x509_info"] is x509_info


def test_sidecar_documentation_matches_the_function():
    docs = yaml.safe_load((REPO / "plugins" / "filter" / "x509_info.yml").read_text("utf-8"))
    assert set(docs) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    doc = docs["DOCUMENTATION"]
    assert doc["name"] == "x509_info"
    (first,) = inspect.signature(x509_info).parameters.values()
    assert first.name == "value"
    assert set(doc["options"]) == {"_input"}
    assert doc["positional"] == "_input"
    pem = certificate("x.example", None)
    assert set(docs["RETURN"]["_value"]["contains"]) == set(x509_info(pem))
    assert "onebox.vps.x509_info" in docs["EXAMPLES"]
