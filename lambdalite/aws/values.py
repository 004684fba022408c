"""Scalar conversions shared by the parser and the serializer (timestamps, blobs, floats)."""

from __future__ import annotations

import base64
import binascii
import math
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from botocore.utils import parse_timestamp as _botocore_parse_timestamp

_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class ValueFormatError(ValueError):
    """A wire value that cannot be read as its shape's type."""


def parse_timestamp(value: str | float) -> datetime:
    """An aware UTC datetime from epoch seconds, ISO 8601 or RFC 822 (any format AWS uses)."""
    if isinstance(value, bool):
        raise ValueFormatError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    try:
        if value[:1].isalpha():  # "Tue, 29 Nov 2026 10:00:00 GMT"
            parsed = parsedate_to_datetime(value)
        else:
            parsed = _botocore_parse_timestamp(value)
    except (ValueError, TypeError, OverflowError) as error:
        raise ValueFormatError(f"not a timestamp: {value!r}") from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_timestamp(value: datetime | float, timestamp_format: str) -> str | float | int:
    """Render a timestamp as ``iso8601``, ``rfc822`` or ``unixTimestamp``."""
    moment = value if isinstance(value, datetime) else datetime.fromtimestamp(value, UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    if timestamp_format == "unixTimestamp":
        seconds = round(moment.timestamp(), 3)
        return int(seconds) if seconds.is_integer() else seconds
    if timestamp_format == "rfc822":
        return format_datetime(moment, usegmt=True)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def decode_blob(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueFormatError("not valid base64") from error


def encode_blob(data: bytes | bytearray | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return base64.b64encode(raw).decode("ascii")


def parse_float(value: str | float) -> float:
    """A float from JSON or text, accepting the spellings AWS uses for non-finite values."""
    if isinstance(value, str):
        if value in _NON_FINITE:
            return _NON_FINITE[value]
        try:
            return float(value)
        except ValueError as error:
            raise ValueFormatError(f"not a number: {value!r}") from error
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueFormatError(f"not a number: {value!r}")
    return float(value)


def format_float(value: float) -> float | str:
    """JSON has no NaN/Infinity; AWS spells them as strings."""
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def parse_bool_text(text: str) -> bool:
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise ValueFormatError(f"not a boolean: {text!r}")
    return lowered == "true"


def parse_int_text(text: str) -> int:
    try:
        return int(text)
    except ValueError as error:
        raise ValueFormatError(f"not an integer: {text!r}") from error
