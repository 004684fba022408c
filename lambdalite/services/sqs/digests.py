"""The MD5 digests SQS answers for a message, computed exactly as AWS does so that SDKs
which check them (the Java and .NET SDKs, botocore's customizations) accept our answers.

Attributes are digested in name order; each contributes its name, its data type and a
transport byte (1: string, 2: binary) followed by its value, every variable-length field
prefixed by its 4-byte big-endian length (the algorithm of the AWS SDKs'
MessageMD5ChecksumHandler; documented in the SQS Developer Guide, "Calculating the MD5 message
digest for message attributes")."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

_STRING = b"\x01"
_BINARY = b"\x02"


def body_md5(body: str) -> str:
    return hashlib.md5(body.encode("utf-8"), usedforsecurity=False).hexdigest()


def attributes_md5(attributes: Mapping[str, Mapping[str, Any]]) -> str:
    """MD5OfMessageAttributes (or of MessageSystemAttributes) of API-shaped attributes."""
    digest = hashlib.md5(usedforsecurity=False)
    for name in sorted(attributes):
        value = attributes[name]
        digest.update(_field(name.encode("utf-8")))
        digest.update(_field(value["DataType"].encode("utf-8")))
        if "StringValue" in value:
            digest.update(_STRING + _field(value["StringValue"].encode("utf-8")))
        else:
            digest.update(_BINARY + _field(bytes(value["BinaryValue"])))
    return digest.hexdigest()


def _field(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data
