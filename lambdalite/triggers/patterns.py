"""Event patterns, the matcher shared by EventBridge rules, SNS filter policies and Lambda filters.

A pattern is compiled once (:func:`compile_pattern`) and matched many times
(:meth:`Pattern.matches`). Semantics and error wording follow aws/event-ruler, the open-source
Java library behind EventBridge:

* The compiler reproduces ``JsonRuleCompiler``: every matcher, ``$or``, the order in which
  mistakes are found and the reason texts. It reads the pattern with a Jackson-like tokenizer so
  that each error carries the location Jackson gives it
  (``\\n at [Source: (String)"..."; line: 1, column: 17]``).
* ``$or`` is expanded into branches, as ``JsonRuleCompiler`` does. A branch maps dotted field
  paths to matchers. An event is flattened into leaf values with their array positions; a branch
  matches when its fields, taken in event-ruler's sorted order, find values at array-consistent
  positions (two fields from different elements of one array never match together) and its
  ``exists: false`` fields find no consistent value.

Sources:

* https://github.com/aws/event-ruler: README.md (matchers, ``$or``, array consistency, dotted
  keys); src/main/software/amazon/event/ruler/JsonRuleCompiler.java (validation and reasons);
  ACFinder.java, NameState.java (array consistency, ``exists: false``); ByteMachine.java (numbers
  and IP addresses in events); ComparableNumber.java and Range.java (numbers between -5e9 and
  5e9 with six decimals); CIDR.java and Constants.java (IP address shapes, names reserved inside
  ``$or``); input/WildcardParser.java, input/EqualsIgnoreCaseParser.java; GenericMachine.java
  (rule keys sorted with ``Collections.sort``).
* https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
  and eb-create-pattern-operators.html: operators, number limits, "if you include a key more than
  once the last reference will be the one used".
* InvalidEventPatternException messages recorded against AWS in localstack's
  tests/aws/services/events/test_events_patterns.snapshot.json (``MessageRaw``) and its
  AWS-validated tests/aws/services/events/event_pattern_templates/*.json5.
* Jackson 2.13+ ``ReaderBasedJsonParser`` (error wording; where the location points).
"""

from __future__ import annotations

import enum
import ipaddress
import itertools
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

__all__ = ["Pattern", "PatternError", "compile_pattern"]


class PatternError(ValueError):
    """An invalid event pattern, worded as aws/event-ruler words it.

    ``reason`` is the bare reason (``Empty arrays are not allowed``). ``str(error)`` is what
    event-ruler's ``JsonRuleCompiler.check()`` returns: the reason followed by the Jackson
    location(s) where it has any. EventBridge answers ``InvalidEventPatternException`` with
    ``"Event pattern is not valid. Reason: " + str(error)``.
    """

    def __init__(self, reason: str, locations: Sequence[str] = ()) -> None:
        self.reason = reason
        self.locations = tuple(locations)
        super().__init__(reason + "".join(f"\n at {where}" for where in self.locations))

    def located(self, where: str) -> PatternError:
        """This error as event-ruler rethrows it from a ``catch``: one more location."""
        return PatternError(self.reason, (*self.locations, where))


class _ArgumentError(PatternError):
    """event-ruler's IllegalArgumentException: no location unless a caller adds one."""


# --- where an error is: Jackson's JsonLocation -------------------------------------------------

_SNIPPET_UNITS: Final = 500  # Jackson's ErrorReportConfiguration default for source snippets
_VALUES_EXPECTED: Final = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"


def _utf16_units(text: str) -> int:
    """Length as Java counts it (columns and snippets are in UTF-16 code units)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _escape_controls(text: str) -> str:
    # Jackson prints control characters of the source as \uXXXX, except CR and LF.
    def escape(char: str) -> str:
        if unicodedata.category(char) == "Cc" and char not in "\r\n":
            return f"\\u{ord(char):04X}"
        return char

    return "".join(escape(char) for char in text)


class _Source:
    """The pattern text and its description in Jackson locations."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._description: str | None = None

    def where(self, line: int, column: int) -> str:
        return f"[Source: {self.describe()}; line: {line}, column: {column}]"

    def describe(self) -> str:
        if self._description is None:
            units = _utf16_units(self.text)
            shown = self.text
            if units > _SNIPPET_UNITS:
                raw = self.text.encode("utf-16-le", "surrogatepass")[: 2 * _SNIPPET_UNITS]
                shown = raw.decode("utf-16-le", "surrogatepass")
            snippet = f'(String)"{_escape_controls(shown)}"'
            if units > _SNIPPET_UNITS:
                snippet += f"[truncated {units - _SNIPPET_UNITS} chars]"
            self._description = snippet
        return self._description


def _char_description(char: str) -> str:
    """How Jackson names a character in a message (``_getCharDesc``)."""
    code = ord(char)
    if unicodedata.category(char) == "Cc":
        return f"(CTRL-CHAR, code {code})"
    if code > 255:
        return f"'{char}' (code {code} / 0x{code:x})"
    return f"'{char}' (code {code})"


def _unexpected(char: str, comment: str) -> str:
    return f"Unexpected character ({_char_description(char)}): {comment}"


def _is_identifier_start(char: str) -> bool:
    # Java's Character.isJavaIdentifierStart: letters, letter numbers, currency, connectors.
    category = unicodedata.category(char)
    return category[0] == "L" or category in ("Nl", "Sc", "Pc")


def _is_identifier_part(char: str) -> bool:
    # Java's Character.isJavaIdentifierPart adds digits, marks and ignorable controls.
    if char == "":
        return False
    category = unicodedata.category(char)
    return (
        _is_identifier_start(char)
        or category in ("Nd", "Mn", "Mc", "Cf")
        or (category == "Cc" and char not in "\t\n\v\f\r\x1c\x1d\x1e\x1f")
    )


# --- the tokenizer: Jackson's streaming parser, as far as locations go -------------------------


class _T(enum.Enum):
    """Jackson's JsonToken; the value is what ``getText()`` answers for the token."""

    START_OBJECT = "{"
    END_OBJECT = "}"
    START_ARRAY = "["
    END_ARRAY = "]"
    FIELD_NAME = "FIELD_NAME"
    STRING = "STRING"
    INT = "INT"
    FLOAT = "FLOAT"
    TRUE = "true"
    FALSE = "false"
    NULL = "null"


_NUMBERS: Final = (_T.INT, _T.FLOAT)
_ESCAPES: Final = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}
_STRING_STOP: Final = re.compile(r'["\\\x00-\x1f]')
_HEX: Final = frozenset("0123456789abcdefABCDEF")


@dataclass
class _Scope:
    """An open object or array (Jackson's JsonReadContext)."""

    kind: str  # "Object" or "Array", as Jackson's typeDesc() spells them
    line: int
    column: int
    entries: int = 0


class _Lexer:
    """Reads JSON tokens with Jackson's pointer discipline, which decides error locations.

    A string is read lazily: after its token the pointer stays behind the opening quote until
    its text is asked for. A field name is read together with the colon and the first token of
    its value (whole when it is a number or literal). Unexpected characters are reported one
    column back (Jackson's ``_currentLocationMinusOne``).
    """

    def __init__(self, text: str) -> None:
        self.source = _Source(text)
        self.text = text
        self.pos = 0
        self.line = 1
        self.line_start = 0
        self.scopes: list[_Scope] = []
        self.token: _T | None = None
        self.name = ""
        self._pending: _T | None = None
        self._pending_start = (0, 0)
        self._string_at = -1  # where the unread text of the current string starts
        self._string = ""
        self._number = ""

    # locations and errors

    def where(self, back: int = 0) -> str:
        column = _utf16_units(self.text[self.line_start : self.pos]) + 1 - back
        return self.source.where(self.line, column)

    def error(self, reason: str, back: int = 0) -> PatternError:
        return PatternError(reason, (self.where(back),))

    # tokens

    def next(self) -> _T | None:
        """The next token, None at the end of the input (Jackson's ``nextToken``)."""
        if self.token is _T.FIELD_NAME:
            return self._release_pending()
        if self._string_at >= 0:
            self._finish_string()
        char = self._skip_space()
        if char == "":
            self._end_of_input()
            return None
        if char in "]}":
            return self._close(char)
        char = self._after_comma(char)
        if self.scopes and self.scopes[-1].kind == "Object":
            return self._field(char)
        return self._value(char, pending=False)

    def text_value(self) -> str:
        """The current token's text (Jackson's ``getText``); reading a string consumes it."""
        if self.token is _T.FIELD_NAME:
            return self.name
        if self.token is _T.STRING:
            if self._string_at >= 0:
                self._finish_string()
            return self._string
        if self.token in _NUMBERS:
            return self._number
        return "null" if self.token is None else self.token.value

    def _release_pending(self) -> _T | None:
        token, self._pending = self._pending, None
        self.token = token
        if token in (_T.START_OBJECT, _T.START_ARRAY):
            self._open(token, self._pending_start)
        return token

    def _end_of_input(self) -> None:
        if self.scopes:
            scope = self.scopes[-1]
            start = self.source.where(scope.line, scope.column)
            reason = f"Unexpected end-of-input: expected close marker for {scope.kind}"
            raise self.error(f"{reason} (start marker at {start})")
        self.token = None

    def _close(self, char: str) -> _T:
        scope = self.scopes[-1] if self.scopes else None
        wanted = "}" if scope is not None and scope.kind == "Object" else "]"
        if scope is None or char != wanted:
            raise self._mismatched(char, scope)
        self.scopes.pop()
        self.token = _T.END_OBJECT if char == "}" else _T.END_ARRAY
        return self.token

    def _mismatched(self, char: str, scope: _Scope | None) -> PatternError:
        wanted = "]" if char == "}" else "}"
        kind, line, column = (
            ("root", 1, 0) if scope is None else (scope.kind, scope.line, scope.column)
        )
        start = self.source.where(line, column)
        marker = f"Unexpected close marker '{char}': expected '{wanted}'"
        return self.error(f"{marker} (for {kind} starting at {start})")

    def _after_comma(self, char: str) -> str:
        if not self.scopes:
            return char
        scope = self.scopes[-1]
        scope.entries += 1
        if scope.entries == 1:
            return char
        if char != ",":
            comment = f"was expecting comma to separate {scope.kind} entries"
            raise self.error(_unexpected(char, comment), back=1)
        return self._skip_space_within(scope.kind)

    def _field(self, char: str) -> _T:
        if char != '"':
            comment = "was expecting double-quote to start field name"
            raise self.error(_unexpected(char, comment), back=1)
        self.name = self._read_string(in_name=True)
        char = self._skip_space_within("Object")
        if char != ":":
            comment = "was expecting a colon to separate field name and value"
            raise self.error(_unexpected(char, comment), back=1)
        self._pending = self._value(self._skip_space_within("Object"), pending=True)
        self.token = _T.FIELD_NAME
        return self.token

    def _value(self, char: str, *, pending: bool) -> _T:
        start = (self.line, _utf16_units(self.text[self.line_start : self.pos]))
        token = self._scan_value(char)
        if pending:
            self._pending_start = start
            return token
        self.token = token
        if token in (_T.START_OBJECT, _T.START_ARRAY):
            self._open(token, start)
        return token

    def _scan_value(self, char: str) -> _T:
        if char == '"':
            self._string_at = self.pos
            return _T.STRING
        if char in "[{":
            return _T.START_ARRAY if char == "[" else _T.START_OBJECT
        if char in "tfn":
            return self._literal(char)
        if char == "-" or "0" <= char <= "9":
            return self._number_token()
        raise self._bad_value(char)

    def _open(self, token: _T, start: tuple[int, int]) -> None:
        kind = "Object" if token is _T.START_OBJECT else "Array"
        self.scopes.append(_Scope(kind, *start))

    def _bad_value(self, char: str) -> PatternError:
        if char == "}":
            return self.error(_unexpected(char, "expected a value"), back=1)
        if _is_identifier_start(char):
            return self._invalid_token(self.pos - 1)
        return self.error(_unexpected(char, f"expected a valid value {_VALUES_EXPECTED}"), back=1)

    def _invalid_token(self, start: int) -> PatternError:
        while len(self.text[start : self.pos]) < 256 and _is_identifier_part(self._char(self.pos)):
            self.pos += 1
        token = self.text[start : self.pos]
        return self.error(f"Unrecognized token '{token}': was expecting {_VALUES_EXPECTED}")

    def _literal(self, char: str) -> _T:
        word = {"t": "true", "f": "false", "n": "null"}[char]
        start = self.pos - 1
        while self.pos - start < len(word) and self._char(self.pos) == word[self.pos - start]:
            self.pos += 1
        if self.pos - start < len(word) or _is_identifier_part(self._char(self.pos)):
            raise self._invalid_token(start)
        return _T(word)

    # numbers: Jackson reads them whole, stopping before the character that ends them

    def _number_token(self) -> _T:
        start = self.pos - 1
        if self.text[start] == "-":
            self._digit_or_fail(
                "expected digit (0-9) to follow minus sign, for valid numeric value"
            )
        self._integer_part()
        is_float = self._fraction() | self._exponent()
        self._number = self.text[start : self.pos]
        if not self.scopes:
            self._root_space()
        return _T.FLOAT if is_float else _T.INT

    def _digit_or_fail(self, comment: str) -> None:
        char = self._char(self.pos)
        if char == "":
            raise self.error("Unexpected end-of-input in a Number value")
        if not "0" <= char <= "9":
            self.pos += 1
            message = (
                f"Unexpected character ({_char_description(char)}) in numeric value: {comment}"
            )
            raise self.error(message, back=1)

    def _integer_part(self) -> None:
        first = self.pos - 1 if self.text[self.pos - 1] != "-" else self.pos
        self.pos = first
        self._digits()
        if self.text[first] == "0" and self.pos - first > 1:
            raise self.error("Invalid numeric value: Leading zeroes not allowed")

    def _digits(self) -> None:
        while "0" <= self._char(self.pos) <= "9":
            self.pos += 1

    def _fraction(self) -> bool:
        if self._char(self.pos) != ".":
            return False
        self.pos += 1
        self._digit_or_fail("Decimal point not followed by a digit")
        self._digits()
        return True

    def _exponent(self) -> bool:
        if self._char(self.pos) not in ("e", "E"):
            return False
        self.pos += 1
        if self._char(self.pos) in ("+", "-"):
            self.pos += 1
        self._digit_or_fail("Exponent indicator not followed by a digit")
        self._digits()
        return True

    def _root_space(self) -> None:
        # A number at the root must be followed by white space (Jackson's _verifyRootSpace).
        char = self._char(self.pos)
        if char == "":
            return
        self.pos += 1
        if char not in " \t\r\n":
            raise self.error(_unexpected(char, "Expected space separating root-level values"), 1)
        if char in "\r\n":
            self._new_line(char)

    # strings

    def _finish_string(self) -> None:
        self.pos = self._string_at
        self._string_at = -1
        self._string = self._read_string(in_name=False)

    def _read_string(self, *, in_name: bool) -> str:
        parts: list[str] = []
        while True:
            stop = _STRING_STOP.search(self.text, self.pos)
            if stop is None:
                self.pos = len(self.text)
                raise self.error(self._string_eof(in_name))
            parts.append(self.text[self.pos : stop.start()])
            self.pos = stop.end()
            char = stop.group()
            if char == '"':
                return "".join(parts)
            if char != "\\":
                raise self.error(self._unquoted(char, in_name))
            parts.append(self._escape())

    @staticmethod
    def _string_eof(in_name: bool) -> str:
        if in_name:
            return "Unexpected end-of-input in field name"
        return "Unexpected end-of-input: was expecting closing quote for a string value"

    @staticmethod
    def _unquoted(char: str, in_name: bool) -> str:
        where = "name" if in_name else "string value"
        return (
            f"Illegal unquoted character ({_char_description(char)}): has to be escaped using "
            f"backslash to be included in {where}"
        )

    def _escape(self) -> str:
        char = self._char(self.pos)
        if char == "":
            raise self.error("Unexpected end-of-input in character escape sequence")
        self.pos += 1
        if char in _ESCAPES:
            return _ESCAPES[char]
        if char != "u":
            raise self.error(f"Unrecognized character escape {_char_description(char)}")
        return self._unicode_escape()

    def _unicode_escape(self) -> str:
        for _ in range(4):
            char = self._char(self.pos)
            if char == "":
                raise self.error("Unexpected end-of-input in character escape sequence")
            self.pos += 1
            if char not in _HEX:
                comment = "expected a hex-digit for character escape sequence"
                raise self.error(_unexpected(char, comment), back=1)
        unit = chr(int(self.text[self.pos - 4 : self.pos], 16))
        return self._join_surrogates(unit)

    def _join_surrogates(self, unit: str) -> str:
        # Java strings hold UTF-16: an escaped surrogate pair is one character here.
        follows = self.text[self.pos : self.pos + 6]
        if "\ud800" <= unit <= "\udbff" and re.fullmatch(r"\\u[dD][c-fC-F][0-9a-fA-F]{2}", follows):
            self.pos += 6
            low = int(follows[2:], 16)
            return chr(0x10000 + ((ord(unit) - 0xD800) << 10) + (low - 0xDC00))
        return unit

    # white space

    def _char(self, at: int) -> str:
        return self.text[at] if at < len(self.text) else ""

    def _skip_space(self) -> str:
        """The next significant character, consumed; "" at the end of the input."""
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char in " \t":
                continue
            if char in "\r\n":
                self._new_line(char)
            elif char < " ":
                raise self.error(
                    f"Illegal character ({_char_description(char)}): only regular white space "
                    "(\\r, \\n, \\t) is allowed between tokens"
                )
            elif char == "/":
                raise self.error(_unexpected(char, _NO_COMMENTS), back=1)
            else:
                return char
        return ""

    def _new_line(self, char: str) -> None:
        if char == "\r" and self._char(self.pos) == "\n":
            self.pos += 1
        self.line += 1
        self.line_start = self.pos

    def _skip_space_within(self, kind: str) -> str:
        char = self._skip_space()
        if char == "":
            raise self.error(f"Unexpected end-of-input within/between {kind} entries")
        return char


_NO_COMMENTS: Final = (
    "maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not "
    "enabled for parser)"
)


# --- numbers: event-ruler's ComparableNumber ---------------------------------------------------
# Numbers take part in numeric comparisons only between -5e9 and 5e9 inclusive with at most six
# decimals (README "Numeric matching"; ComparableNumber.generate). Other numbers still equal
# their own text, as ``JsonRuleCompiler.writeRules`` adds an exact-text matcher beside the
# numeric one (for account ids, say).

_NUMBER_LIMIT: Final = Decimal(5_000_000_000)
_DECIMALS: Final = 6
_TOO_PRECISE: Final = "Only values upto 6 decimals are supported"
_OUT_OF_RANGE: Final = "Value must be between -5.0E9 and 5.0E9, inclusive"


def _scale(number: Decimal) -> int:
    """Digits after the decimal point once trailing zeros are stripped (BigDecimal.scale)."""
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    digits = "".join(map(str, number.as_tuple().digits))
    return -(exponent + len(digits) - len(digits.rstrip("0"))) if digits.strip("0") else 0


def _comparable(number: Decimal) -> Decimal | None:
    if not number.is_finite() or _scale(number) > _DECIMALS:
        return None
    return number if -_NUMBER_LIMIT <= number <= _NUMBER_LIMIT else None


def _pattern_number(text: str) -> Decimal:
    """A number of the pattern as ComparableNumber takes it, or event-ruler's complaint."""
    number = Decimal(text)
    if _scale(number) > _DECIMALS:
        raise _ArgumentError(_TOO_PRECISE)
    if not -_NUMBER_LIMIT <= number <= _NUMBER_LIMIT:
        raise _ArgumentError(_OUT_OF_RANGE)
    return number


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _event_number(value: object) -> Decimal | None:
    """An event value as a comparable number, None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value) if -_NUMBER_LIMIT <= value <= _NUMBER_LIMIT else None
    if isinstance(value, float):
        # repr is the shortest text giving the same float: the text the event carried.
        return _comparable(Decimal(repr(value))) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return _comparable(value)
    return None


def _number_text(value: object) -> str:
    """The JSON text of an event number, to compare with a pattern number's text."""
    return repr(value) if isinstance(value, float) else str(value)


# --- IP addresses: event-ruler's CIDR ----------------------------------------------------------
# Only strings shaped like an address are parsed (Constants.IPv4_REGEX / IPv6_REGEX); Java turns
# an IPv4-mapped IPv6 address into the IPv4 one.

_IPV4_SHAPE: Final = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_IPV6_SHAPE: Final = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")


def _ip_address(text: str) -> bytes:
    """The address's 4 or 16 bytes, or CIDR.ipToBytes's complaint."""
    if _IPV4_SHAPE.fullmatch(text):
        parse: type[ipaddress.IPv4Address | ipaddress.IPv6Address] = ipaddress.IPv4Address
    elif _IPV6_SHAPE.fullmatch(text):
        parse = ipaddress.IPv6Address
    else:
        raise _ArgumentError(f"Nonstandard IP address: {text}")
    try:
        address = parse(text)
    except ValueError:
        raise _ArgumentError(f"Invalid IP address: {text}") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.packed
    return address.packed


def _ip_or_none(value: object) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return _ip_address(value)
    except _ArgumentError:
        return None


def _java_int(text: str) -> int | None:
    """Integer.parseInt: an optional sign and ASCII digits within 32 bits."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        return None
    number = int(text)
    return number if -(2**31) <= number < 2**31 else None


def _cidr_bounds(text: str) -> tuple[int, int, int]:
    """(address length, lowest, highest) for a ``cidr`` matcher, as CIDR.cidr computes them.

    The range starts at the address as written, not at the network address, and /32 (/128) are
    refused: both are what CIDR.java does.
    """
    parts = text.split("/")
    while parts and parts[-1] == "":  # Java's String.split drops trailing empty strings
        parts.pop()
    if len(parts) != 2:
        raise _ArgumentError("Malformed CIDR, one '/' required")
    bits = _java_int(parts[1])
    if bits is None:
        raise _ArgumentError("Malformed CIDR, mask bits must be an integer")
    if bits < 0:
        raise _ArgumentError("Malformed CIDR, mask bits must not be negative")
    address = _ip_address(parts[0])
    _check_mask(len(address), bits)
    base = int.from_bytes(address, "big")
    return len(address), base, base | ((1 << (8 * len(address) - bits)) - 1)


def _check_mask(length: int, bits: int) -> None:
    if length == 4 and bits > 31:
        raise _ArgumentError("IPv4 mask bits must be < 32")
    if length == 16 and bits > 127:
        raise _ArgumentError("IPv6 mask bits must be < 128")


# --- wildcards and case-insensitive text ------------------------------------------------------


def _wildcard_problem(text: str) -> str | None:
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


def _wildcard_segments(text: str) -> tuple[str, ...]:
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


def _glob(pieces: tuple[str, ...], value: str) -> bool:
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


def _ignore_case_regex(text: str, anchor: str) -> re.Pattern[str]:
    """A regex for ``match`` (equals, prefix) or ``search`` (suffix)."""
    body = "".join(_case_alternatives(char) for char in text)
    return re.compile(body if anchor == "prefix" else f"(?:{body})\\Z")


def _ignore_case_test(regex: re.Pattern[str], anchor: str, value: str) -> bool:
    if anchor == "suffix":
        return regex.search(value) is not None
    return regex.match(value) is not None


# --- matchers: one value of the event against one element of a pattern array ------------------


class _Matcher:
    """One element of a pattern's value array."""

    __slots__ = ()

    def accepts(self, value: object) -> bool:
        raise NotImplementedError


class _Exists(_Matcher):
    __slots__ = ()

    def accepts(self, value: object) -> bool:
        return True


class _Literal(_Matcher):
    """``true``, ``false`` or ``null``."""

    __slots__ = ("literal",)

    def __init__(self, literal: bool | None) -> None:
        self.literal = literal

    def accepts(self, value: object) -> bool:
        return value is self.literal


class _Text(_Matcher):
    """An exact string."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def accepts(self, value: object) -> bool:
        return isinstance(value, str) and value == self.text


class _Address(_Matcher):
    """A string that is an IP address: any spelling of the same address matches
    (JsonRuleCompiler turns it into a one-address range, CIDR.ipToRangeIfPossible)."""

    __slots__ = ("address",)

    def __init__(self, address: bytes) -> None:
        self.address = address

    def accepts(self, value: object) -> bool:
        return _ip_or_none(value) == self.address


class _NumberLiteral(_Matcher):
    """A number: numerically equal when both sides are comparable, else the same text."""

    __slots__ = ("number", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            self.number: Decimal | None = _pattern_number(text)
        except _ArgumentError:
            self.number = None  # writeRules ignores a number ComparableNumber refuses

    def accepts(self, value: object) -> bool:
        if not _is_number(value):
            return False
        number = _event_number(value)
        if self.number is not None and number is not None:
            return number == self.number
        return _number_text(value) == self.text


class _Prefix(_Matcher):
    __slots__ = ("prefix",)

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def accepts(self, value: object) -> bool:
        return isinstance(value, str) and value.startswith(self.prefix)


class _Suffix(_Matcher):
    __slots__ = ("suffix",)

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix

    def accepts(self, value: object) -> bool:
        return isinstance(value, str) and value.endswith(self.suffix)


class _IgnoreCase(_Matcher):
    """``equals-ignore-case``, alone (``equals``) or inside ``prefix`` / ``suffix``."""

    __slots__ = ("anchor", "regex")

    def __init__(self, text: str, anchor: str = "equals") -> None:
        self.anchor = anchor
        self.regex = _ignore_case_regex(text, anchor)

    def accepts(self, value: object) -> bool:
        return isinstance(value, str) and _ignore_case_test(self.regex, self.anchor, value)


class _Wildcard(_Matcher):
    __slots__ = ("pieces",)

    def __init__(self, text: str) -> None:
        self.pieces = _wildcard_segments(text)

    def accepts(self, value: object) -> bool:
        return isinstance(value, str) and _glob(self.pieces, value)


class _NumericRange(_Matcher):
    """``numeric`` with ``<``, ``<=``, ``>``, ``>=`` (and ``=`` as a closed one-point range)."""

    __slots__ = ("high", "high_open", "low", "low_open")

    def __init__(self, low: Decimal, low_open: bool, high: Decimal, high_open: bool) -> None:
        self.low, self.low_open, self.high, self.high_open = low, low_open, high, high_open

    def accepts(self, value: object) -> bool:
        number = _event_number(value)
        if number is None:
            return False
        above = number > self.low if self.low_open else number >= self.low
        below = number < self.high if self.high_open else number <= self.high
        return above and below


class _Cidr(_Matcher):
    __slots__ = ("high", "length", "low")

    def __init__(self, text: str) -> None:
        self.length, self.low, self.high = _cidr_bounds(text)

    def accepts(self, value: object) -> bool:
        address = _ip_or_none(value)
        if address is None or len(address) != self.length:
            return False
        return self.low <= int.from_bytes(address, "big") <= self.high


class _AnythingBut(_Matcher):
    """``anything-but`` strings or numbers: any value that is not one of them, of any type."""

    __slots__ = ("numbers", "strings")

    def __init__(self, strings: Iterable[str], numbers: Iterable[Decimal]) -> None:
        self.strings = frozenset(strings)
        self.numbers = frozenset(numbers)

    def accepts(self, value: object) -> bool:
        if isinstance(value, str):
            return value not in self.strings
        number = _event_number(value)
        return number is None or number not in self.numbers


class _AnythingButAny(_Matcher):
    """``anything-but`` with ``prefix``, ``suffix``, ``equals-ignore-case`` or ``wildcard``:
    any value none of them matches (non-strings included)."""

    __slots__ = ("excluded",)

    def __init__(self, excluded: Iterable[_Matcher]) -> None:
        self.excluded = tuple(excluded)

    def accepts(self, value: object) -> bool:
        return not any(matcher.accepts(value) for matcher in self.excluded)


@dataclass(frozen=True, slots=True)
class _Absent:
    """``{"exists": false}``: not a value matcher, the field matches by being absent."""


_ABSENT: Final = _Absent()
_Element = _Matcher | _Absent


@dataclass(frozen=True, slots=True)
class _Field:
    """One field of a branch: its dotted path and the alternatives for it."""

    path: str
    matchers: tuple[_Matcher, ...]
    absent_ok: bool

    def accepts(self, value: object) -> bool:
        return any(matcher.accepts(value) for matcher in self.matchers)


def _field(path: str, elements: Sequence[_Element]) -> _Field:
    matchers = tuple(element for element in elements if isinstance(element, _Matcher))
    return _Field(path, matchers, any(isinstance(element, _Absent) for element in elements))


# --- the compiler: JsonRuleCompiler, read for read ---------------------------------------------

_OR: Final = "$or"
# Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP: field names refused inside "$or".
_RESERVED_IN_OR: Final = frozenset(
    {
        "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists", "wildcard",
        "numeric", "cidr", "html", "=", "<", "<=", ">", ">=", "regex", "not-wildcard",
        "not-equals-ignore-case", "date-after", "date-on-or-after", "date-before",
        "date-on-or-before", "in-date-range", "ip-address-in-range", "ip-address-not-in-range",
    }
)  # fmt: skip
_TOO_MANY_NUMERIC: Final = "Too many elements in numeric expression"
_ONE_KEY: Final = "Only one key allowed in match expression"

_Branch = dict[str, _Field]


class _Compiler:
    """Turns pattern text into branches, failing as event-ruler fails on the same text.

    The methods follow JsonRuleCompiler's reads one for one: which token is read before a
    complaint decides the column Jackson reports.
    """

    def __init__(self, text: str) -> None:
        self.lexer = _Lexer(text)

    def compile(self) -> list[_Branch]:
        if self.lexer.next() is not _T.START_OBJECT:
            raise self.fail("Filter is not an object")
        branches: list[_Branch] = []
        self._object(branches, (), inside_or=False)
        return branches  # event-ruler stops at the closing brace: what follows is not read

    def fail(self, reason: str) -> PatternError:
        return self.lexer.error(reason)

    def _located(self, error: _ArgumentError) -> PatternError:
        return PatternError(error.reason, (self.lexer.where(),))

    # objects, "$or" and leaves

    def _object(self, branches: list[_Branch], path: tuple[str, ...], inside_or: bool) -> None:
        has_fields = False
        while self.lexer.next() is not _T.END_OBJECT:
            has_fields = True
            name = self.lexer.name
            if name == _OR:
                self._or(branches, path)
                continue
            if inside_or and name in _RESERVED_IN_OR:
                raise self.fail(
                    f"{name} is Ruler reserved fieldName which cannot be used inside $or."
                )
            self._member(branches, (*path, name), inside_or)
        if not has_fields:
            raise self.fail("Empty objects are not allowed")

    def _member(self, branches: list[_Branch], path: tuple[str, ...], inside_or: bool) -> None:
        token = self.lexer.next()
        if token is _T.START_OBJECT:
            self._object(branches, path, inside_or)
        elif token is _T.START_ARRAY:
            self._leaf(branches, ".".join(path))
        else:
            raise self.fail(f'"{path[-1]}" must be an object or an array')

    def _or(self, branches: list[_Branch], path: tuple[str, ...]) -> None:
        before = [dict(branch) for branch in branches]
        branches.clear()
        if self.lexer.next() is not _T.START_ARRAY:
            raise self.fail("It must be an Array followed with $or.")
        count = 0
        while (token := self.lexer.next()) is not _T.END_ARRAY:
            count += 1
            if token is not _T.START_OBJECT:
                raise self.fail("Only JSON object is allowed in array of $or relationship.")
            alternative = [dict(branch) for branch in before] or [{}]
            self._object(alternative, path, inside_or=True)
            branches.extend(alternative)
        if count < 2:
            raise self.fail("There must have at least 2 Objects in $or relationship.")

    def _leaf(self, branches: list[_Branch], path: str) -> None:
        elements: list[_Element] = []
        while (token := self.lexer.next()) is not _T.END_ARRAY:
            elements.append(self._element(token))
        if not elements:
            raise self.fail("Empty arrays are not allowed")
        if not branches:
            branches.append({})
        for branch in branches:
            branch[path] = _field(path, elements)  # a repeated key: the last one wins

    def _element(self, token: _T | None) -> _Element:
        if token is _T.START_OBJECT:
            return self._expression()
        if token is _T.STRING:
            text = self.lexer.text_value()
            address = _ip_or_none(text)
            return _Text(text) if address is None else _Address(address)
        if token in _NUMBERS:
            return _NumberLiteral(self.lexer.text_value())
        if token in (_T.TRUE, _T.FALSE, _T.NULL):
            return _Literal({_T.TRUE: True, _T.FALSE: False}.get(token))
        raise self.fail("Match value must be String, number, true, false, or null")

    # match expressions: {"prefix": ...}, {"numeric": [...]}, ...

    def _expression(self) -> _Element:
        if self.lexer.next() is not _T.FIELD_NAME:
            raise self.fail("Match expression name not found")
        kind = self.lexer.name
        parse = _EXPRESSIONS.get(kind)
        if parse is None:
            raise self.fail(f"Unrecognized match type {kind}")
        return parse(self)

    def _end(self, reason: str = _ONE_KEY) -> None:
        if self.lexer.next() is not _T.END_OBJECT:
            raise self.fail(reason)

    def _string(self, reason: str) -> str:
        if self.lexer.next() is not _T.STRING:
            raise self.fail(reason)
        return self.lexer.text_value()

    def _exactly(self) -> _Element:
        matcher = _Text(self._string("exact match pattern must be a string"))
        self._end()
        return matcher

    def _prefix(self) -> _Element:
        return self._affix("prefix", _Prefix)

    def _suffix(self) -> _Element:
        return self._affix("suffix", _Suffix)

    def _affix(self, kind: str, build: type[_Prefix] | type[_Suffix]) -> _Element:
        token = self.lexer.next()
        if token is _T.START_OBJECT:
            return self._affix_ignore_case(kind)
        if token is not _T.STRING:
            raise self.fail(f"{kind} match pattern must be a string")
        matcher = build(self.lexer.text_value())
        self._end()
        return matcher

    def _affix_ignore_case(self, kind: str) -> _Element:
        if self.lexer.next() is not _T.FIELD_NAME:
            raise self.fail(f"{kind.capitalize()} expression name not found")
        if self.lexer.name != "equals-ignore-case":
            raise self.fail(f"Unsupported {kind} pattern: {self.lexer.name}")
        matcher = _IgnoreCase(
            self._string("equals-ignore-case match pattern must be a string"), kind
        )
        self._end()
        self._end()
        return matcher

    def _equals_ignore_case(self) -> _Element:
        matcher = _IgnoreCase(self._string("equals-ignore-case match pattern must be a string"))
        self._end()
        return matcher

    def _wildcard(self) -> _Element:
        text = self._string("wildcard match pattern must be a string")
        problem = _wildcard_problem(text)
        if problem is not None:
            raise self.fail(problem)
        self._end()
        return _Wildcard(text)

    def _cidr(self) -> _Element:
        # A bad CIDR is an IllegalArgumentException nobody catches: no location (AWS-recorded).
        matcher = _Cidr(self._string("prefix match pattern must be a string"))
        self._end()
        return matcher

    def _exists(self) -> _Element:
        token = self.lexer.next()
        if token not in (_T.TRUE, _T.FALSE):
            raise self.fail("exists match pattern must be either true or false.")
        self._end()
        return _Exists() if token is _T.TRUE else _ABSENT

    # numeric

    def _numeric(self) -> _Element:
        if self.lexer.next() is not _T.START_ARRAY:
            raise self.fail("Value of numeric must be an array.")
        matcher = self._numeric_terms()
        self._end(_TOO_MANY_NUMERIC)
        return matcher

    def _numeric_terms(self) -> _Matcher:
        if self.lexer.next() is not _T.STRING:
            raise self.fail(f"Invalid member in numeric match: {self.lexer.text_value()}")
        operator = self.lexer.text_value()
        token = self.lexer.next()
        try:
            return self._numeric_operator(operator, token)
        except _ArgumentError as error:  # JsonRuleCompiler catches IllegalArgumentException only
            raise self._located(error) from None

    def _numeric_operator(self, operator: str, token: _T | None) -> _Matcher:
        if operator not in ("=", "<", "<=", ">", ">="):
            raise self.fail(f"Unrecognized numeric range operator: {operator}")
        if token not in _NUMBERS:
            raise self.fail(f"Value of {'equals' if operator == '=' else operator} must be numeric")
        value = self.lexer.text_value()
        if operator in (">", ">="):
            return self._from_bottom(value, operator == ">")
        if self.lexer.next() is not _T.END_ARRAY:
            raise self.fail(_TOO_MANY_NUMERIC)
        if operator == "=":
            number = _pattern_number(value)
            return _NumericRange(number, False, number, False)
        return _range(str(-_NUMBER_LIMIT), False, value, operator == "<")

    def _from_bottom(self, bottom: str, open_bottom: bool) -> _Matcher:
        token = self.lexer.next()
        if token is _T.END_ARRAY:
            return _range(bottom, open_bottom, str(_NUMBER_LIMIT), False)
        if token is not _T.STRING:
            raise self.fail(f"Bad value in numeric range: {self.lexer.text_value()}")
        operator = self.lexer.text_value()
        if operator not in ("<", "<="):
            raise self.fail(f"Bad numeric range operator: {operator}")
        if self.lexer.next() not in _NUMBERS:
            raise self.fail(f"Value of {operator} must be numeric")
        top = self.lexer.text_value()
        if self.lexer.next() is not _T.END_ARRAY:
            raise self.fail("Too many terms in numeric range expression")
        return _range(bottom, open_bottom, top, operator == "<")

    # anything-but

    def _anything_but(self) -> _Element:
        token = self.lexer.next()
        kind = "values"
        if token is _T.START_OBJECT:
            kind = self._anything_but_kind()
            token = self.lexer.next()
        if token not in (_T.START_ARRAY, _T.STRING, *_NUMBERS):
            raise self.fail("Value of anything-but must be an array or single string/number value.")
        matcher = self._anything_but_values(kind, token)
        self._end(_TOO_MANY_NUMERIC)
        if kind != "values":
            self._end(_TOO_MANY_NUMERIC)
        return matcher

    def _anything_but_kind(self) -> str:
        if self.lexer.next() is not _T.FIELD_NAME:
            raise self.fail("Anything-But expression name not found")
        kind = self.lexer.name
        if kind not in ("equals-ignore-case", "prefix", "suffix", "wildcard"):
            raise self.fail(f"Unsupported anything-but pattern: {kind}")
        return kind

    def _anything_but_values(self, kind: str, token: _T | None) -> _Matcher:
        if kind == "values":
            if token is _T.START_ARRAY:
                return self._anything_but_list()
            return self._anything_but_one(token)
        texts = (
            self._excluded_list(kind) if token is _T.START_ARRAY else [self._excluded(kind, token)]
        )
        return _AnythingButAny(self._exclusion(kind, text) for text in texts)

    def _anything_but_one(self, token: _T | None) -> _Matcher:
        text = self.lexer.text_value()
        if token is _T.STRING:
            return _AnythingBut([text], [])
        return _AnythingBut([], [_pattern_number(text)])  # refused: uncaught, no location

    def _anything_but_list(self) -> _Matcher:
        strings: list[str] = []
        numbers: list[Decimal] = []
        try:  # JsonRuleCompiler rethrows what fails in here with one more location
            while (token := self.lexer.next()) is not _T.END_ARRAY:
                self._anything_but_item(token, strings, numbers)
        except PatternError as error:
            raise error.located(self.lexer.where()) from None
        if bool(strings) == bool(numbers):
            raise self.fail(
                "Inside anything but list, either all values are number or string, mixed type "
                "is not supported"
            )
        return _AnythingBut(strings, numbers)

    def _anything_but_item(
        self, token: _T | None, strings: list[str], numbers: list[Decimal]
    ) -> None:
        if token is _T.STRING:
            strings.append(self.lexer.text_value())
        elif token in _NUMBERS:
            numbers.append(_pattern_number(self.lexer.text_value()))
        else:
            raise self.fail("Inside anything but list, start|null|boolean is not supported.")

    def _excluded_list(self, kind: str) -> list[str]:
        texts: list[str] = []
        try:  # rethrown with one more location, as above
            while (token := self.lexer.next()) is not _T.END_ARRAY:
                texts.append(self._excluded(kind, token))
        except PatternError as error:
            raise error.located(self.lexer.where()) from None
        return texts

    def _excluded(self, kind: str, token: _T | None) -> str:
        if token is not _T.STRING:
            raise self.fail(_NOT_A_STRING[kind])
        text = self.lexer.text_value()
        if kind in ("prefix", "suffix") and text == "":
            raise self.fail("Null prefix/suffix not allowed")
        return text

    def _exclusion(self, kind: str, text: str) -> _Matcher:
        if kind == "prefix":
            return _Prefix(text)
        if kind == "suffix":
            return _Suffix(text)
        if kind == "equals-ignore-case":
            return _IgnoreCase(text)
        problem = _wildcard_problem(text)
        if problem is not None:
            raise self.fail(problem)
        return _Wildcard(text)


_NOT_A_STRING: Final = {
    "equals-ignore-case": (
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
    ),
    "wildcard": "wildcard match pattern must be a string",
    "prefix": "prefix/suffix match pattern must be a string",
    "suffix": "prefix/suffix match pattern must be a string",
}


def _range(bottom: str, open_bottom: bool, top: str, open_top: bool) -> _NumericRange:
    """Range.between: the bounds are compared before either is checked (Range.java)."""
    low, high = Decimal(bottom), Decimal(top)
    if low >= high:
        raise _ArgumentError("Bottom must be less than top")
    return _NumericRange(_pattern_number(bottom), open_bottom, _pattern_number(top), open_top)


_EXPRESSIONS: Final = {
    "exactly": _Compiler._exactly,
    "prefix": _Compiler._prefix,
    "suffix": _Compiler._suffix,
    "numeric": _Compiler._numeric,
    "anything-but": _Compiler._anything_but,
    "exists": _Compiler._exists,
    "cidr": _Compiler._cidr,
    "equals-ignore-case": _Compiler._equals_ignore_case,
    "wildcard": _Compiler._wildcard,
}


# --- matching ---------------------------------------------------------------------------------

# Where a leaf value sits: (array id, index) for every array around it.
_Membership = tuple[tuple[int, int], ...]
_Occurrence = tuple[object, _Membership]
_Flat = dict[str, list[_Occurrence]]


def _join(first: _Membership, second: _Membership) -> _Membership | None:
    """Both positions together, None when they are in different elements of one array."""
    if not first:
        return second
    if not second:
        return first
    merged = dict(first)
    for array, index in second:
        if merged.setdefault(array, index) != index:
            return None
    return tuple(merged.items())


class _Flattener:
    """Collects an event's leaf values on the paths a pattern names (event-ruler's Event)."""

    def __init__(self, prefixes: frozenset[str], leaves: frozenset[str]) -> None:
        self.prefixes = prefixes
        self.leaves = leaves
        self.arrays = itertools.count()
        self.found: _Flat = {}

    def mapping(self, node: Mapping[Any, Any], path: str | None, where: _Membership) -> None:
        for key, child in node.items():
            if isinstance(key, str):
                child_path = key if path is None else f"{path}.{key}"
                if child_path in self.prefixes:
                    self.value(child, child_path, where)

    def value(self, node: object, path: str, where: _Membership) -> None:
        if isinstance(node, Mapping):
            self.mapping(node, path, where)
        elif isinstance(node, list | tuple):
            array = next(self.arrays)
            for index, item in enumerate(node):
                self.value(item, path, (*where, (array, index)))
        elif path in self.leaves:
            self.found.setdefault(path, []).append((node, where))


def _satisfied(fields: tuple[_Field, ...], at: int, flat: _Flat, where: _Membership) -> bool:
    """Whether fields[at:] match, in order, from positions consistent with ``where``.

    This is ACFinder's walk: a value field takes any consistent value it accepts, and an
    ``exists: false`` field holds when no value is consistent with the positions taken so far
    by the fields sorted before it.
    """
    if at == len(fields):
        return True
    field = fields[at]
    seen = flat.get(field.path, ())
    for value, position in seen:
        if not field.accepts(value):
            continue
        joined = _join(where, position)
        if joined is not None and _satisfied(fields, at + 1, flat, joined):
            return True
    if not field.absent_ok or any(_join(where, position) is not None for _, position in seen):
        return False
    return _satisfied(fields, at + 1, flat, where)


def _java_order(path: str) -> bytes:
    # GenericMachine sorts rule keys with Collections.sort: UTF-16 code unit order.
    return path.encode("utf-16-be", "surrogatepass")


def _prefixes(paths: Iterable[str]) -> frozenset[str]:
    found: set[str] = set()
    for path in paths:
        steps = path.split(".")
        found.update(".".join(steps[: end + 1]) for end in range(len(steps)))
    return frozenset(found)


class Pattern:
    """A compiled event pattern (EventBridge rule, SNS filter policy, Lambda filter).

    Compile once with :func:`compile_pattern`; :meth:`matches` is the hot path: it flattens only
    the parts of the event the pattern names.
    """

    __slots__ = ("_branches", "_leaves", "_prefixes", "source")

    def __init__(self, source: str, branches: Sequence[tuple[_Field, ...]]) -> None:
        self.source = source
        self._branches = tuple(branches)
        self._leaves = frozenset(field.path for branch in self._branches for field in branch)
        self._prefixes = _prefixes(self._leaves)

    def __repr__(self) -> str:
        return f"Pattern({self.source!r})"

    @property
    def paths(self) -> frozenset[str]:
        """Every dotted field path the pattern names (``{"a": {"b": [1]}}`` names ``a.b``)."""
        return self._leaves

    def branches(self) -> tuple[Pattern, ...]:
        """One pattern per ``$or`` alternative (the whole pattern when it has no ``$or``)."""
        return tuple(Pattern(self.source, [branch]) for branch in self._branches)

    def matches(self, event: Mapping[str, Any]) -> bool:
        """Whether the event (parsed JSON: mappings, lists, str, int, float, bool, None)
        matches."""
        flattener = _Flattener(self._prefixes, self._leaves)
        if isinstance(event, Mapping):
            flattener.mapping(event, None, ())
        return self._matches_flat(flattener.found)

    def matches_fields(self, fields: Mapping[str, Iterable[Any]]) -> bool:
        """Whether flat fields match: each name (a dotted path) with its values, any of which
        may match. This is SNS's MessageAttributes scope: ``{"color": ["red"], "size": [10]}``
        for String, Number and String.Array attributes (Binary ones left out)."""
        return self.matches({name: list(values) for name, values in fields.items()})

    def _matches_flat(self, flat: _Flat) -> bool:
        return any(_satisfied(branch, 0, flat, ()) for branch in self._branches)


def compile_pattern(pattern: str | Mapping[str, Any]) -> Pattern:
    """Compile an event pattern, given as JSON text or as the parsed JSON object.

    Raises :class:`PatternError` with event-ruler's wording when the pattern is invalid.
    """
    text = pattern if isinstance(pattern, str) else json.dumps(pattern, default=_json_default)
    branches = _Compiler(text).compile()
    return Pattern(text, [_sorted(branch) for branch in branches])


def _sorted(branch: _Branch) -> tuple[_Field, ...]:
    return tuple(branch[path] for path in sorted(branch, key=_java_order))


def _json_default(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Iterator | set | frozenset):
        return list(value)
    raise TypeError(f"not JSON: {type(value).__name__}")
