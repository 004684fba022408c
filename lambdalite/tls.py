"""HTTPS for ``lambdalite up --tls``: the certificate the server presents, given or generated.

With no certificate given, one self-signed certificate is generated once into
``<data dir>/tls/`` and reused on every start, so a client trusts it once
(``export AWS_CA_BUNDLE=<data dir>/tls/cert.pem``). It names ``localhost``, ``127.0.0.1``,
``::1``, ``*.localhost``, ``*.execute-api.localhost`` and ``*.lambda-url.<region>.localhost`` for
every region botocore knows (and the configured one). A wildcard matches exactly one DNS label
(RFC 6125 §6.4.3), so each region needs its own name; names deeper than these (an HTTP API
addressed as ``<id>.execute-api.<region>.localhost``, or a region added after the certificate was
made) are not covered: delete ``<data dir>/tls/`` to have it made again, or give a certificate.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: Long enough not to bother anyone; Apple's clients refuse server certificates valid longer.
VALIDITY = datetime.timedelta(days=825)
#: A certificate this close to its end is made again rather than reused.
RENEW_BEFORE = datetime.timedelta(days=30)
COMMON_NAME = "lambdalite local HTTPS"


class TlsError(Exception):
    """The certificate and key cannot serve HTTPS (the message is one line for the user)."""


@dataclass(frozen=True, slots=True)
class Certificate:
    """The files the server presents, and whether lambdalite made them."""

    cert_file: Path
    key_file: Path
    generated: bool


def certificate_for(
    directory: Path,
    cert_file: Path | None,
    key_file: Path | None,
    regions: list[str],
) -> Certificate:
    """The given pair (checked), else the one generated in ``directory`` (on first use)."""
    if (cert_file is None) != (key_file is None):
        raise TlsError("--tls-cert and --tls-key go together: give both or neither")
    if cert_file is not None and key_file is not None:
        check_pair(cert_file, key_file)
        return Certificate(cert_file, key_file, generated=False)
    pair = Certificate(directory / "cert.pem", directory / "key.pem", generated=True)
    if not _reusable(pair, regions):
        _generate(pair, regions)
    check_pair(pair.cert_file, pair.key_file)
    return pair


def check_pair(cert_file: Path, key_file: Path) -> None:
    """Load the pair as the server will, so a bad one fails before anything starts."""
    for path in (cert_file, key_file):
        if not path.is_file():
            raise TlsError(f"no such file: {path}")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert_file, key_file)
    except (ssl.SSLError, OSError) as error:
        raise TlsError(
            f"cannot serve HTTPS with certificate {cert_file} and key {key_file}: {_reason(error)}"
        ) from error


def _reason(error: OSError) -> str:
    """OpenSSL's reason code in words (``KEY_VALUES_MISMATCH``), else the system's message."""
    if isinstance(error, ssl.SSLError):
        if error.reason == "KEY_VALUES_MISMATCH":
            return "the key does not belong to the certificate"
        if error.reason:
            return str(error.reason).lower().replace("_", " ")
        # OpenSSL's PEM errors come without a reason code ("[SSL] PEM lib").
        return "not a PEM certificate and its PEM private key"
    return error.strerror or str(error)


def host_names(regions: list[str]) -> list[str]:
    """The DNS names the generated certificate covers (one wildcard label deep each)."""
    names = ["localhost", "*.localhost", "*.execute-api.localhost"]
    names += [f"*.lambda-url.{region}.localhost" for region in sorted(set(regions))]
    return names


def _reusable(pair: Certificate, regions: list[str]) -> bool:
    """A generated certificate is kept while it is valid for a while and names every region."""
    if not (pair.cert_file.exists() and pair.key_file.exists()):
        return False
    try:
        certificate = x509.load_pem_x509_certificate(pair.cert_file.read_bytes())
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except (ValueError, x509.ExtensionNotFound):
        return False
    now = datetime.datetime.now(datetime.UTC)
    covered = set(names.value.get_values_for_type(x509.DNSName))
    return certificate.not_valid_after_utc - now > RENEW_BEFORE and covered >= set(
        host_names(regions)
    )


def _generate(pair: Certificate, regions: list[str]) -> None:
    """A self-signed P-256 certificate that is its own trust anchor (``AWS_CA_BUNDLE``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _self_signed(key, regions)
    # The data dir first, so that neither it nor the tls dir ever exists with a looser mode.
    pair.cert_file.parent.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pair.cert_file.parent.mkdir(mode=0o700, exist_ok=True)
    _write_private(
        pair.key_file,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    pair.cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _self_signed(key: ec.EllipticCurvePrivateKey, regions: list[str]) -> x509.Certificate:
    # A CA (path length 0) that also serves: clients given it as their CA bundle trust it as an
    # anchor, and the key identifiers satisfy OpenSSL's strict checks (Python 3.13's default).
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, COMMON_NAME)])
    now = datetime.datetime.now(datetime.UTC)
    alternatives: list[x509.GeneralName] = [x509.DNSName(n) for n in host_names(regions)]
    alternatives += [
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _write_private(path: Path, data: bytes) -> None:
    """Written 0600 from its creation: never readable by others, not even for a moment."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    path.chmod(0o600)  # an existing file keeps its old mode through O_CREAT
