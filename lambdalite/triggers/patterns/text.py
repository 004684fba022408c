"""Wildcards and case-insensitive text: a wildcard checked as WildcardParser checks it and matched
against a string, and the regexes ``equals-ignore-case`` (alone or inside ``prefix`` /
``suffix``) matches with, built from Java's case mappings as EqualsIgnoreCaseParser builds its
alternatives. Sources: aws/event-ruler's input/WildcardParser.java and
input/EqualsIgnoreCaseParser.java.
"""

from __future__ import annotations

import re


def wildcard_problem(text: str) -> str | None:
    """WildcardParser's complaint about a wildcard, positions counted in UTF-8 bytes of the
    quoted value as event-ruler sees it."""
    raw = f'"{text}"'.encode("utf-8", "surrogatepass")
    index = 0
    while index < len(raw):
        byte = raw[index : index + 1]
        following = raw[index + 1 : index + 2]
        if byte == b"*" and following == b"*":
            return f"Consecutive wildcard characters at pos {index}"
        if byte == b"\\":
            if following not in (b"*", b"\\"):
                return f"Invalid escape character at pos {index}"
            index += 1
        index += 1
    return None


def wildcard_segments(text: str) -> tuple[str, ...]:
    """The literal pieces between the unescaped ``*`` of a valid wildcard."""
    pieces: list[str] = [""]
    chars = iter(text)
    for char in chars:
        if char == "\\":
            pieces[-1] += next(chars)
        elif char == "*":
            pieces.append("")
        else:
            pieces[-1] += char
    return tuple(pieces)


def glob(pieces: tuple[str, ...], value: str) -> bool:
    """Whether ``value`` is the pieces joined by any strings (leftmost search is exact here)."""
    if len(pieces) == 1:
        return value == pieces[0]
    first, last = pieces[0], pieces[-1]
    end = len(value) - len(last)
    if end < len(first) or not value.startswith(first) or not value.endswith(last):
        return False
    position = len(first)
    for piece in pieces[1:-1]:
        found = value.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def _case_alternatives(char: str) -> str:
    # EqualsIgnoreCaseParser accepts, for each Java char, its lower or its upper case, each
    # possibly several characters long; astral characters are two Java chars without case.
    if ord(char) > 0xFFFF:
        return re.escape(char)
    options = sorted({char.lower(), char.upper()}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(option) for option in options) + ")"


def ignore_case_regex(text: str, anchor: str) -> re.Pattern[str]:
    """A regex for ``match`` (equals, prefix) or ``search`` (suffix)."""
    body = "".join(_case_alternatives(char) for char in text)
    return re.compile(body if anchor == "prefix" else f"(?:{body})\\Z")


def ignore_case_test(regex: re.Pattern[str], anchor: str, value: str) -> bool:
    if anchor == "suffix":
        return regex.search(value) is not None
    return regex.match(value) is not None
