"""Numbers as event-ruler's ComparableNumber takes them: numbers take part in numeric comparisons
only between -5e9 and 5e9 inclusive with at most six decimals (README "Numeric matching";
ComparableNumber.generate). Other numbers still equal their own text, as
``JsonRuleCompiler.writeRules`` adds an exact-text matcher beside the numeric one (for account
ids, say). Sources: aws/event-ruler's ComparableNumber.java and Range.java, ByteMachine.java
(numbers in events); eb-create-pattern-operators.html (number limits).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Final

from lambdalite.triggers.patterns.errors import ArgumentError

NUMBER_LIMIT: Final = Decimal(5_000_000_000)
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
    return number if -NUMBER_LIMIT <= number <= NUMBER_LIMIT else None


def pattern_number(text: str) -> Decimal:
    """A number of the pattern as ComparableNumber takes it, or event-ruler's complaint."""
    number = Decimal(text)
    if _scale(number) > _DECIMALS:
        raise ArgumentError(_TOO_PRECISE)
    if not -NUMBER_LIMIT <= number <= NUMBER_LIMIT:
        raise ArgumentError(_OUT_OF_RANGE)
    return number


def is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def event_number(value: object) -> Decimal | None:
    """An event value as a comparable number, None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value) if -NUMBER_LIMIT <= value <= NUMBER_LIMIT else None
    if isinstance(value, float):
        # repr is the shortest text giving the same float: the text the event carried.
        return _comparable(Decimal(repr(value))) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return _comparable(value)
    return None


def number_text(value: object) -> str:
    """The JSON text of an event number, to compare with a pattern number's text."""
    return repr(value) if isinstance(value, float) else str(value)
