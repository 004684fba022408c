"""The compiler, JsonRuleCompiler read for read: turns pattern text into branches (dotted field
path to :class:`Field`), expanding ``$or`` as ``JsonRuleCompiler`` does, and fails on the same
text with the reason event-ruler gives, found in the same order and located where Jackson's
pointer stands. Sources: aws/event-ruler's JsonRuleCompiler.java (validation and reasons),
Constants.java (names reserved inside ``$or``), Range.java;
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
("if you include a key more than once the last reference will be the one used");
InvalidEventPatternException messages recorded against AWS in localstack's
tests/aws/services/events/test_events_patterns.snapshot.json and its AWS-validated
tests/aws/services/events/event_pattern_templates/*.json5.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from lambdalite.triggers.patterns.addresses import ip_or_none
from lambdalite.triggers.patterns.errors import ArgumentError, PatternError
from lambdalite.triggers.patterns.json_syntax import NUMBERS, Lexer, Token
from lambdalite.triggers.patterns.matchers import (
    ABSENT,
    Address,
    AnythingBut,
    AnythingButAny,
    Cidr,
    Element,
    Exists,
    Field,
    IgnoreCase,
    Literal,
    Matcher,
    NumberLiteral,
    NumericRange,
    Prefix,
    Suffix,
    Text,
    Wildcard,
    field,
)
from lambdalite.triggers.patterns.numbers import NUMBER_LIMIT, pattern_number
from lambdalite.triggers.patterns.text import wildcard_problem

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

Branch = dict[str, Field]


class Compiler:
    """Turns pattern text into branches, failing as event-ruler fails on the same text.

    The methods follow JsonRuleCompiler's reads one for one: which token is read before a
    complaint decides the column Jackson reports.
    """

    def __init__(self, text: str) -> None:
        self.lexer = Lexer(text)

    def compile(self) -> list[Branch]:
        if self.lexer.next() is not Token.START_OBJECT:
            raise self.fail("Filter is not an object")
        branches: list[Branch] = []
        self._object(branches, (), inside_or=False)
        return branches  # event-ruler stops at the closing brace: what follows is not read

    def fail(self, reason: str) -> PatternError:
        return self.lexer.error(reason)

    def _located(self, error: ArgumentError) -> PatternError:
        return PatternError(error.reason, (self.lexer.where(),))

    # objects, "$or" and leaves

    def _object(self, branches: list[Branch], path: tuple[str, ...], inside_or: bool) -> None:
        has_fields = False
        while self.lexer.next() is not Token.END_OBJECT:
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

    def _member(self, branches: list[Branch], path: tuple[str, ...], inside_or: bool) -> None:
        token = self.lexer.next()
        if token is Token.START_OBJECT:
            self._object(branches, path, inside_or)
        elif token is Token.START_ARRAY:
            self._leaf(branches, ".".join(path))
        else:
            raise self.fail(f'"{path[-1]}" must be an object or an array')

    def _or(self, branches: list[Branch], path: tuple[str, ...]) -> None:
        before = [dict(branch) for branch in branches]
        branches.clear()
        if self.lexer.next() is not Token.START_ARRAY:
            raise self.fail("It must be an Array followed with $or.")
        count = 0
        while (token := self.lexer.next()) is not Token.END_ARRAY:
            count += 1
            if token is not Token.START_OBJECT:
                raise self.fail("Only JSON object is allowed in array of $or relationship.")
            alternative = [dict(branch) for branch in before] or [{}]
            self._object(alternative, path, inside_or=True)
            branches.extend(alternative)
        if count < 2:
            raise self.fail("There must have at least 2 Objects in $or relationship.")

    def _leaf(self, branches: list[Branch], path: str) -> None:
        elements: list[Element] = []
        while (token := self.lexer.next()) is not Token.END_ARRAY:
            elements.append(self._element(token))
        if not elements:
            raise self.fail("Empty arrays are not allowed")
        if not branches:
            branches.append({})
        for branch in branches:
            branch[path] = field(path, elements)  # a repeated key: the last one wins

    def _element(self, token: Token | None) -> Element:
        if token is Token.START_OBJECT:
            return self._expression()
        if token is Token.STRING:
            text = self.lexer.text_value()
            address = ip_or_none(text)
            return Text(text) if address is None else Address(address)
        if token in NUMBERS:
            return NumberLiteral(self.lexer.text_value())
        if token in (Token.TRUE, Token.FALSE, Token.NULL):
            return Literal({Token.TRUE: True, Token.FALSE: False}.get(token))
        raise self.fail("Match value must be String, number, true, false, or null")

    # match expressions: {"prefix": ...}, {"numeric": [...]}, ...

    def _expression(self) -> Element:
        if self.lexer.next() is not Token.FIELD_NAME:
            raise self.fail("Match expression name not found")
        kind = self.lexer.name
        parse = _EXPRESSIONS.get(kind)
        if parse is None:
            raise self.fail(f"Unrecognized match type {kind}")
        return parse(self)

    def _end(self, reason: str = _ONE_KEY) -> None:
        if self.lexer.next() is not Token.END_OBJECT:
            raise self.fail(reason)

    def _string(self, reason: str) -> str:
        if self.lexer.next() is not Token.STRING:
            raise self.fail(reason)
        return self.lexer.text_value()

    def _exactly(self) -> Element:
        matcher = Text(self._string("exact match pattern must be a string"))
        self._end()
        return matcher

    def _prefix(self) -> Element:
        return self._affix("prefix", Prefix)

    def _suffix(self) -> Element:
        return self._affix("suffix", Suffix)

    def _affix(self, kind: str, build: type[Prefix] | type[Suffix]) -> Element:
        token = self.lexer.next()
        if token is Token.START_OBJECT:
            return self._affix_ignore_case(kind)
        if token is not Token.STRING:
            raise self.fail(f"{kind} match pattern must be a string")
        matcher = build(self.lexer.text_value())
        self._end()
        return matcher

    def _affix_ignore_case(self, kind: str) -> Element:
        if self.lexer.next() is not Token.FIELD_NAME:
            raise self.fail(f"{kind.capitalize()} expression name not found")
        if self.lexer.name != "equals-ignore-case":
            raise self.fail(f"Unsupported {kind} pattern: {self.lexer.name}")
        matcher = IgnoreCase(
            self._string("equals-ignore-case match pattern must be a string"), kind
        )
        self._end()
        self._end()
        return matcher

    def _equals_ignore_case(self) -> Element:
        matcher = IgnoreCase(self._string("equals-ignore-case match pattern must be a string"))
        self._end()
        return matcher

    def _wildcard(self) -> Element:
        text = self._string("wildcard match pattern must be a string")
        problem = wildcard_problem(text)
        if problem is not None:
            raise self.fail(problem)
        self._end()
        return Wildcard(text)

    def _cidr(self) -> Element:
        # A bad CIDR is an IllegalArgumentException nobody catches: no location (AWS-recorded).
        matcher = Cidr(self._string("prefix match pattern must be a string"))
        self._end()
        return matcher

    def _exists(self) -> Element:
        token = self.lexer.next()
        if token not in (Token.TRUE, Token.FALSE):
            raise self.fail("exists match pattern must be either true or false.")
        self._end()
        return Exists() if token is Token.TRUE else ABSENT

    # numeric

    def _numeric(self) -> Element:
        if self.lexer.next() is not Token.START_ARRAY:
            raise self.fail("Value of numeric must be an array.")
        matcher = self._numeric_terms()
        self._end(_TOO_MANY_NUMERIC)
        return matcher

    def _numeric_terms(self) -> Matcher:
        if self.lexer.next() is not Token.STRING:
            raise self.fail(f"Invalid member in numeric match: {self.lexer.text_value()}")
        operator = self.lexer.text_value()
        token = self.lexer.next()
        try:
            return self._numeric_operator(operator, token)
        except ArgumentError as error:  # JsonRuleCompiler catches IllegalArgumentException only
            raise self._located(error) from None

    def _numeric_operator(self, operator: str, token: Token | None) -> Matcher:
        if operator not in ("=", "<", "<=", ">", ">="):
            raise self.fail(f"Unrecognized numeric range operator: {operator}")
        if token not in NUMBERS:
            raise self.fail(f"Value of {'equals' if operator == '=' else operator} must be numeric")
        value = self.lexer.text_value()
        if operator in (">", ">="):
            return self._from_bottom(value, operator == ">")
        if self.lexer.next() is not Token.END_ARRAY:
            raise self.fail(_TOO_MANY_NUMERIC)
        if operator == "=":
            number = pattern_number(value)
            return NumericRange(number, False, number, False)
        return _range(str(-NUMBER_LIMIT), False, value, operator == "<")

    def _from_bottom(self, bottom: str, open_bottom: bool) -> Matcher:
        token = self.lexer.next()
        if token is Token.END_ARRAY:
            return _range(bottom, open_bottom, str(NUMBER_LIMIT), False)
        if token is not Token.STRING:
            raise self.fail(f"Bad value in numeric range: {self.lexer.text_value()}")
        operator = self.lexer.text_value()
        if operator not in ("<", "<="):
            raise self.fail(f"Bad numeric range operator: {operator}")
        if self.lexer.next() not in NUMBERS:
            raise self.fail(f"Value of {operator} must be numeric")
        top = self.lexer.text_value()
        if self.lexer.next() is not Token.END_ARRAY:
            raise self.fail("Too many terms in numeric range expression")
        return _range(bottom, open_bottom, top, operator == "<")

    # anything-but

    def _anything_but(self) -> Element:
        token = self.lexer.next()
        kind = "values"
        if token is Token.START_OBJECT:
            kind = self._anything_but_kind()
            token = self.lexer.next()
        if token not in (Token.START_ARRAY, Token.STRING, *NUMBERS):
            raise self.fail("Value of anything-but must be an array or single string/number value.")
        matcher = self._anything_but_values(kind, token)
        self._end(_TOO_MANY_NUMERIC)
        if kind != "values":
            self._end(_TOO_MANY_NUMERIC)
        return matcher

    def _anything_but_kind(self) -> str:
        if self.lexer.next() is not Token.FIELD_NAME:
            raise self.fail("Anything-But expression name not found")
        kind = self.lexer.name
        if kind not in ("equals-ignore-case", "prefix", "suffix", "wildcard"):
            raise self.fail(f"Unsupported anything-but pattern: {kind}")
        return kind

    def _anything_but_values(self, kind: str, token: Token | None) -> Matcher:
        if kind == "values":
            if token is Token.START_ARRAY:
                return self._anything_but_list()
            return self._anything_but_one(token)
        texts = (
            self._excluded_list(kind)
            if token is Token.START_ARRAY
            else [self._excluded(kind, token)]
        )
        return AnythingButAny(self._exclusion(kind, text) for text in texts)

    def _anything_but_one(self, token: Token | None) -> Matcher:
        text = self.lexer.text_value()
        if token is Token.STRING:
            return AnythingBut([text], [])
        return AnythingBut([], [pattern_number(text)])  # refused: uncaught, no location

    def _anything_but_list(self) -> Matcher:
        strings: list[str] = []
        numbers: list[Decimal] = []
        try:  # JsonRuleCompiler rethrows what fails in here with one more location
            while (token := self.lexer.next()) is not Token.END_ARRAY:
                self._anything_but_item(token, strings, numbers)
        except PatternError as error:
            raise error.located(self.lexer.where()) from None
        if bool(strings) == bool(numbers):
            raise self.fail(
                "Inside anything but list, either all values are number or string, mixed type "
                "is not supported"
            )
        return AnythingBut(strings, numbers)

    def _anything_but_item(
        self, token: Token | None, strings: list[str], numbers: list[Decimal]
    ) -> None:
        if token is Token.STRING:
            strings.append(self.lexer.text_value())
        elif token in NUMBERS:
            numbers.append(pattern_number(self.lexer.text_value()))
        else:
            raise self.fail("Inside anything but list, start|null|boolean is not supported.")

    def _excluded_list(self, kind: str) -> list[str]:
        texts: list[str] = []
        try:  # rethrown with one more location, as above
            while (token := self.lexer.next()) is not Token.END_ARRAY:
                texts.append(self._excluded(kind, token))
        except PatternError as error:
            raise error.located(self.lexer.where()) from None
        return texts

    def _excluded(self, kind: str, token: Token | None) -> str:
        if token is not Token.STRING:
            raise self.fail(_NOT_A_STRING[kind])
        text = self.lexer.text_value()
        if kind in ("prefix", "suffix") and text == "":
            raise self.fail("Null prefix/suffix not allowed")
        return text

    def _exclusion(self, kind: str, text: str) -> Matcher:
        if kind == "prefix":
            return Prefix(text)
        if kind == "suffix":
            return Suffix(text)
        if kind == "equals-ignore-case":
            return IgnoreCase(text)
        problem = wildcard_problem(text)
        if problem is not None:
            raise self.fail(problem)
        return Wildcard(text)


_NOT_A_STRING: Final = {
    "equals-ignore-case": (
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
    ),
    "wildcard": "wildcard match pattern must be a string",
    "prefix": "prefix/suffix match pattern must be a string",
    "suffix": "prefix/suffix match pattern must be a string",
}


def _range(bottom: str, open_bottom: bool, top: str, open_top: bool) -> NumericRange:
    """Range.between: the bounds are compared before either is checked (Range.java)."""
    low, high = Decimal(bottom), Decimal(top)
    if low >= high:
        raise ArgumentError("Bottom must be less than top")
    return NumericRange(pattern_number(bottom), open_bottom, pattern_number(top), open_top)


_EXPRESSIONS: Final = {
    "exactly": Compiler._exactly,
    "prefix": Compiler._prefix,
    "suffix": Compiler._suffix,
    "numeric": Compiler._numeric,
    "anything-but": Compiler._anything_but,
    "exists": Compiler._exists,
    "cidr": Compiler._cidr,
    "equals-ignore-case": Compiler._equals_ignore_case,
    "wildcard": Compiler._wildcard,
}
