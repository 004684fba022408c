"""Why a pattern is refused: :class:`PatternError`, worded as aws/event-ruler words it (the reason
followed by the Jackson locations ``JsonRuleCompiler.check()`` reports), and
:class:`ArgumentError`, event-ruler's IllegalArgumentException, which has no location unless a
caller adds one. Sources: aws/event-ruler's src/main/software/amazon/event/ruler/
JsonRuleCompiler.java; InvalidEventPatternException messages recorded against AWS in
localstack's tests/aws/services/events/test_events_patterns.snapshot.json (``MessageRaw``).
"""

from __future__ import annotations

from collections.abc import Sequence


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


class ArgumentError(PatternError):
    """event-ruler's IllegalArgumentException: no location unless a caller adds one."""
