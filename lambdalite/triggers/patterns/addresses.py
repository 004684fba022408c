"""IP addresses and CIDR blocks as event-ruler's CIDR reads them: only strings shaped like an
address are parsed (Constants.IPv4_REGEX / IPv6_REGEX); Java turns an IPv4-mapped IPv6 address
into the IPv4 one. Sources: aws/event-ruler's CIDR.java and Constants.java (IP address shapes),
ByteMachine.java (IP addresses in events).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Final

from lambdalite.triggers.patterns.errors import ArgumentError

_IPV4_SHAPE: Final = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_IPV6_SHAPE: Final = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")


def _ip_address(text: str) -> bytes:
    """The address's 4 or 16 bytes, or CIDR.ipToBytes's complaint."""
    if _IPV4_SHAPE.fullmatch(text):
        parse: type[ipaddress.IPv4Address | ipaddress.IPv6Address] = ipaddress.IPv4Address
    elif _IPV6_SHAPE.fullmatch(text):
        parse = ipaddress.IPv6Address
    else:
        raise ArgumentError(f"Nonstandard IP address: {text}")
    try:
        address = parse(text)
    except ValueError:
        raise ArgumentError(f"Invalid IP address: {text}") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.packed
    return address.packed


def ip_or_none(value: object) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return _ip_address(value)
    except ArgumentError:
        return None


def _java_int(text: str) -> int | None:
    """Integer.parseInt: an optional sign and ASCII digits within 32 bits."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        return None
    number = int(text)
    return number if -(2**31) <= number < 2**31 else None


def cidr_bounds(text: str) -> tuple[int, int, int]:
    """(address length, lowest, highest) for a ``cidr`` matcher, as CIDR.cidr computes them.

    The range starts at the address as written, not at the network address, and /32 (/128) are
    refused: both are what CIDR.java does.
    """
    parts = text.split("/")
    while parts and parts[-1] == "":  # Java's String.split drops trailing empty strings
        parts.pop()
    if len(parts) != 2:
        raise ArgumentError("Malformed CIDR, one '/' required")
    bits = _java_int(parts[1])
    if bits is None:
        raise ArgumentError("Malformed CIDR, mask bits must be an integer")
    if bits < 0:
        raise ArgumentError("Malformed CIDR, mask bits must not be negative")
    address = _ip_address(parts[0])
    _check_mask(len(address), bits)
    base = int.from_bytes(address, "big")
    return len(address), base, base | ((1 << (8 * len(address) - bits)) - 1)


def _check_mask(length: int, bits: int) -> None:
    if length == 4 and bits > 31:
        raise ArgumentError("IPv4 mask bits must be < 32")
    if length == 16 and bits > 127:
        raise ArgumentError("IPv6 mask bits must be < 128")
