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

from lambdalite.triggers.patterns.errors import PatternError
from lambdalite.triggers.patterns.matching import Pattern, compile_pattern

__all__ = ["Pattern", "PatternError", "compile_pattern"]
