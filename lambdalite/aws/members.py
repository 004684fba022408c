"""The members of a structure shape as the JSON protocols walk them, worked out once per shape.

botocore answers ``shape.members`` and ``member.serialization`` from caches, but walking them
for every member of every request (and every entry of a batch) costs more than the values
themselves; the (name, wire name, shape, type, location) rows of a shape are kept on the shape.
"""

from __future__ import annotations

from typing import NamedTuple

from botocore.model import Shape

_KEPT = "_lambdalite_members"


class Member(NamedTuple):
    name: str  # in the model (the parsed and serialized dicts' key)
    wire_name: str  # in the JSON document, header or query string
    shape: Shape
    type_name: str
    location: str | None  # header, uri, querystring...; None: the body


def members(shape: Shape) -> tuple[Member, ...]:
    """``shape``'s members, computed on first use and kept on the shape."""
    kept: tuple[Member, ...] | None = shape.__dict__.get(_KEPT)
    if kept is None:
        kept = tuple(
            Member(
                name,
                member.serialization.get("name", name),
                member,
                member.type_name,
                member.serialization.get("location"),
            )
            for name, member in shape.members.items()
        )
        shape.__dict__[_KEPT] = kept
    return kept
