"""Pattern text read as JSON the way Jackson reads it, so that every syntax error carries Jackson's
wording and location (``\\n at [Source: (String)"..."; line: 1, column: 17]``): Jackson's
JsonLocation (source snippets in UTF-16 code units, controls escaped) and a tokenizer with the
streaming parser's pointer discipline, which the compiler reads token by token as
``JsonRuleCompiler`` does. Source: Jackson 2.13+ ``ReaderBasedJsonParser`` (error wording; where
the location points) and ``ErrorReportConfiguration`` (snippet length).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from lambdalite.triggers.patterns.errors import PatternError

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


class Token(enum.Enum):
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


NUMBERS: Final = (Token.INT, Token.FLOAT)
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


class Lexer:
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
        self.token: Token | None = None
        self.name = ""
        self._pending: Token | None = None
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

    def next(self) -> Token | None:
        """The next token, None at the end of the input (Jackson's ``nextToken``)."""
        if self.token is Token.FIELD_NAME:
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
        if self.token is Token.FIELD_NAME:
            return self.name
        if self.token is Token.STRING:
            if self._string_at >= 0:
                self._finish_string()
            return self._string
        if self.token in NUMBERS:
            return self._number
        return "null" if self.token is None else self.token.value

    def _release_pending(self) -> Token | None:
        token, self._pending = self._pending, None
        self.token = token
        if token in (Token.START_OBJECT, Token.START_ARRAY):
            self._open(token, self._pending_start)
        return token

    def _end_of_input(self) -> None:
        if self.scopes:
            scope = self.scopes[-1]
            start = self.source.where(scope.line, scope.column)
            reason = f"Unexpected end-of-input: expected close marker for {scope.kind}"
            raise self.error(f"{reason} (start marker at {start})")
        self.token = None

    def _close(self, char: str) -> Token:
        scope = self.scopes[-1] if self.scopes else None
        wanted = "}" if scope is not None and scope.kind == "Object" else "]"
        if scope is None or char != wanted:
            raise self._mismatched(char, scope)
        self.scopes.pop()
        self.token = Token.END_OBJECT if char == "}" else Token.END_ARRAY
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

    def _field(self, char: str) -> Token:
        if char != '"':
            comment = "was expecting double-quote to start field name"
            raise self.error(_unexpected(char, comment), back=1)
        self.name = self._read_string(in_name=True)
        char = self._skip_space_within("Object")
        if char != ":":
            comment = "was expecting a colon to separate field name and value"
            raise self.error(_unexpected(char, comment), back=1)
        self._pending = self._value(self._skip_space_within("Object"), pending=True)
        self.token = Token.FIELD_NAME
        return self.token

    def _value(self, char: str, *, pending: bool) -> Token:
        start = (self.line, _utf16_units(self.text[self.line_start : self.pos]))
        token = self._scan_value(char)
        if pending:
            self._pending_start = start
            return token
        self.token = token
        if token in (Token.START_OBJECT, Token.START_ARRAY):
            self._open(token, start)
        return token

    def _scan_value(self, char: str) -> Token:
        if char == '"':
            self._string_at = self.pos
            return Token.STRING
        if char in "[{":
            return Token.START_ARRAY if char == "[" else Token.START_OBJECT
        if char in "tfn":
            return self._literal(char)
        if char == "-" or "0" <= char <= "9":
            return self._number_token()
        raise self._bad_value(char)

    def _open(self, token: Token, start: tuple[int, int]) -> None:
        kind = "Object" if token is Token.START_OBJECT else "Array"
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

    def _literal(self, char: str) -> Token:
        word = {"t": "true", "f": "false", "n": "null"}[char]
        start = self.pos - 1
        while self.pos - start < len(word) and self._char(self.pos) == word[self.pos - start]:
            self.pos += 1
        if self.pos - start < len(word) or _is_identifier_part(self._char(self.pos)):
            raise self._invalid_token(start)
        return Token(word)

    # numbers: Jackson reads them whole, stopping before the character that ends them

    def _number_token(self) -> Token:
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
        return Token.FLOAT if is_float else Token.INT

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
