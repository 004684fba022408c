"""Marker/MaxItems pagination, as every Lambda List* operation answers it."""

from __future__ import annotations

import base64
from typing import Any

from lambdalite.services.lambda_.errors import InvalidParameterValue

_MAX_ITEMS = 50


def page(
    entries: list[tuple[str, Any]], marker: str | None, max_items: int | None, member: str
) -> dict[str, Any]:
    """One page of ``(sort key, item)`` entries; the marker is the last sort key shown, opaque."""
    limit = max_items or _MAX_ITEMS
    if marker:
        after = _decode_marker(marker)
        entries = [entry for entry in entries if entry[0] > after]
    entries.sort(key=lambda entry: entry[0])
    shown = entries[:limit]
    response: dict[str, Any] = {member: [item for _, item in shown]}
    if len(entries) > limit:
        response["NextMarker"] = base64.urlsafe_b64encode(shown[-1][0].encode()).decode()
    return response


def _decode_marker(marker: str) -> str:
    try:
        return base64.urlsafe_b64decode(marker.encode()).decode()
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidParameterValue(f"Invalid marker: {marker}") from error
