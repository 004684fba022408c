"""NextToken pagination over record keys (SNS lists 100 items a page)."""

from __future__ import annotations

import base64
import binascii

from lambdalite.services.sns.errors import invalid

PAGE_SIZE = 100


def token_for(key: str) -> str:
    """An opaque token for the page after ``key``."""
    return base64.urlsafe_b64encode(key.encode()).decode()


def key_after(token: str | None) -> str | None:
    """The key a NextToken continues after; AWS refuses a token it did not make."""
    if not token:
        return None
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid("NextToken") from None
