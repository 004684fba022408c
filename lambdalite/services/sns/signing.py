"""Message signatures: a key lambdalite makes once, and its certificate, served at
SigningCertURL so that receivers verify messages as they verify AWS's.

What is signed follows "Verifying the signatures of Amazon SNS messages" (SNS developer guide):
name and value of each field, one per line, in this order, each followed by a newline;
``Subject`` only when the message has one. ``SignatureVersion`` 1 signs a SHA1 digest,
2 a SHA256 one, both RSA PKCS#1 v1.5; the signature travels base64-encoded.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

KEY_FILE = "sns-signing-key.pem"
CERT_FILE = "sns-signing-cert.pem"
_KEY_BITS = 2048
_VALID_DAYS = 3650

NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
CONFIRMATION_FIELDS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}


class Signer:
    """The signing key and the certificate that goes with it."""

    def __init__(self, key: rsa.RSAPrivateKey, certificate_pem: bytes) -> None:
        self._key = key
        self.certificate_pem = certificate_pem
        digest = hashlib.sha256(certificate_pem).hexdigest()[:32]
        #: The name SigningCertURL ends with, shaped as AWS's (SimpleNotificationService-<hex>.pem).
        self.certificate_name = f"SimpleNotificationService-{digest}.pem"

    @classmethod
    def load_or_create(cls, directory: Path) -> Signer:
        """The key kept in ``directory`` (mode 0600), made on first use. Blocking."""
        key_path, cert_path = directory / KEY_FILE, directory / CERT_FILE
        if not key_path.exists() or not cert_path.exists():
            _create(key_path, cert_path)
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"{key_path} does not hold an RSA key")
        return cls(key, cert_path.read_bytes())

    def sign(self, fields: Mapping[str, str | None], version: str) -> str:
        """The base64 signature of ``fields`` (a notification or confirmation message)."""
        names = CONFIRMATION_FIELDS if "Token" in fields else NOTIFICATION_FIELDS
        text = "".join(
            f"{name}\n{fields[name]}\n" for name in names if fields.get(name) is not None
        )
        digest = _DIGESTS.get(version, hashes.SHA1)()
        signature = self._key.sign(text.encode("utf-8"), padding.PKCS1v15(), digest)
        return base64.b64encode(signature).decode("ascii")


def _create(key_path: Path, cert_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=_KEY_BITS)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(key_path, key_pem)
    cert_path.write_bytes(_certificate(key).public_bytes(serialization.Encoding.PEM))


def _write_private(path: Path, data: bytes) -> None:
    # Created 0600 from the start: the key is never readable by others, not even briefly.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def _certificate(key: rsa.RSAPrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=_VALID_DAYS))
        .sign(key, hashes.SHA256())
    )
