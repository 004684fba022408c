"""Signed, expiring URLs that lambdalite serves itself, as S3 presigned URLs do for AWS
(GetFunction's ``Code.Location``)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

CODE_PREFIX = "/_lambdalite/code/"
CODE_URL_SECONDS = 600  # AWS's presigned code URLs are valid for ten minutes


class Links:
    """Signs and checks internal URLs with a secret kept in the data dir (so they survive a
    restart and no other data dir's URLs are accepted)."""

    def __init__(self, secret: bytes, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret
        self._clock = clock

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> Links:
        path = data_dir / "links.key"
        if not path.exists():
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(secrets.token_bytes(32))
        return cls(path.read_bytes())

    def code_url(self, base: str, sha256_hex: str) -> str:
        expires = int(self._clock()) + CODE_URL_SECONDS
        signature = self._sign(sha256_hex, expires)
        return f"{base}{CODE_PREFIX}{sha256_hex}?Expires={expires}&Signature={signature}"

    def valid(self, sha256_hex: str, expires: str, signature: str) -> bool:
        if not expires.isdigit() or int(expires) < self._clock():
            return False
        return hmac.compare_digest(self._sign(sha256_hex, int(expires)), signature)

    def _sign(self, sha256_hex: str, expires: int) -> str:
        message = f"{sha256_hex}:{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()
