"""What a rule target receives: the event, ``Input``, ``InputPath`` or ``InputTransformer``.

Sources: EventBridge user guide eb-transform-target-input ("Transforming target input",
predefined variables); localstack's AWS-recorded test_events_inputs snapshot:

* ``InputPath: $.detail.payload.sf_id`` of a string delivers the JSON string ``"baz"``;
* a template placeholder inside a JSON string takes the value's text, a missing value the
  empty string (``"... from detail <command>"`` → ``"... from detail "``); outside a string it
  takes the value's JSON (the user guide's ``"state": [9, <state>, true]`` →
  ``[9, "RUNNING", true]``);
* ``<aws.events.event>`` is the event without its detail, ``detail-type`` spelled
  ``detailType``; ``<aws.events.event.json>`` the whole event;
* "InputTemplate for target <id> contains invalid placeholder <name>." and "Only one of Input,
  InputPath, or InputTransformer must be provided for target <id>." (ValidationException).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final

from lambdalite.services.events.errors import Validation

RULE_ARN: Final = "aws.events.rule-arn"
RULE_NAME: Final = "aws.events.rule-name"
INGESTION_TIME: Final = "aws.events.event.ingestion-time"
EVENT: Final = "aws.events.event"
EVENT_JSON: Final = "aws.events.event.json"
PREDEFINED: Final = frozenset({RULE_ARN, RULE_NAME, INGESTION_TIME, EVENT, EVENT_JSON})

_PLACEHOLDER: Final = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_PATH_STEP: Final = re.compile(r"\.([^.\[\]]+)|\[([0-9]+)\]|\['([^']*)'\]")
_MISSING: Final = object()


@dataclass(frozen=True, slots=True)
class Context:
    """What the predefined variables stand for."""

    rule_arn: str
    rule_name: str
    ingestion_time: str


def check_target(target: dict[str, Any]) -> None:
    """Refuse a target whose input settings contradict each other (PutTargets)."""
    given = [name for name in ("Input", "InputPath", "InputTransformer") if name in target]
    if len(given) > 1:
        raise Validation(
            "Only one of Input, InputPath, or InputTransformer must be provided for target "
            f"{target['Id']}."
        )
    transformer = target.get("InputTransformer")
    if transformer is not None:
        known = set(transformer.get("InputPathsMap") or {}) | PREDEFINED
        for name in _PLACEHOLDER.findall(transformer["InputTemplate"]):
            if name not in known:
                raise Validation(
                    f"InputTemplate for target {target['Id']} contains invalid placeholder {name}."
                )


def render(target: dict[str, Any], event: dict[str, Any], context: Context) -> str:
    """The text the target receives for ``event``."""
    if "Input" in target:
        return str(target["Input"])
    if "InputPath" in target:
        found = json_path(event, target["InputPath"])
        return compact(None if found is _MISSING else found)
    transformer = target.get("InputTransformer")
    if transformer is not None:
        return transform(transformer, event, context)
    return compact(event)


def compact(value: Any) -> str:
    """JSON as EventBridge writes it for a target: no spaces."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def json_path(document: Any, path: str) -> Any:
    """The value at a JSONPath of the ``$.a.b[0]`` kind; ``_MISSING`` when there is none."""
    if not path.startswith("$"):
        return _MISSING
    position, value = 1, document
    while position < len(path):
        step = _PATH_STEP.match(path, position)
        if step is None:
            return _MISSING
        value = _step(value, step)
        if value is _MISSING:
            return _MISSING
        position = step.end()
    return value


def _step(value: Any, step: re.Match[str]) -> Any:
    name, index, quoted = step.groups()
    if index is not None:
        number = int(index)
        return value[number] if isinstance(value, list) and number < len(value) else _MISSING
    key = name if name is not None else quoted
    return value.get(key, _MISSING) if isinstance(value, dict) else _MISSING


def transform(transformer: dict[str, Any], event: dict[str, Any], context: Context) -> str:
    values = {
        name: json_path(event, path)
        for name, path in (transformer.get("InputPathsMap") or {}).items()
    }
    values.update(_predefined(event, context))
    return _substitute(transformer["InputTemplate"], values)


def _predefined(event: dict[str, Any], context: Context) -> dict[str, Any]:
    summary = {
        "id": event.get("id"),
        "account": event.get("account"),
        "detailType": event.get("detail-type"),
        "time": event.get("time"),
        "source": event.get("source"),
        "region": event.get("region"),
        "resources": event.get("resources"),
        "version": event.get("version"),
    }
    return {
        RULE_ARN: context.rule_arn,
        RULE_NAME: context.rule_name,
        INGESTION_TIME: context.ingestion_time,
        EVENT: summary,
        EVENT_JSON: event,
    }


def _substitute(template: str, values: dict[str, Any]) -> str:
    """Replace each placeholder, as text inside a JSON string and as JSON outside one."""
    out: list[str] = []
    in_string, position = False, 0
    for found in _PLACEHOLDER.finditer(template):
        if found.group(1) not in values:
            continue
        before = template[position : found.start()]
        in_string = _string_state(before, in_string)
        out.append(before)
        out.append(_placed(values[found.group(1)], in_string))
        position = found.end()
    out.append(template[position:])
    return "".join(out)


def _string_state(text: str, in_string: bool) -> bool:
    """Whether the end of ``text`` is inside a JSON string, given the state at its start."""
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and in_string:
            escaped = True
        elif char == '"':
            in_string = not in_string
    return in_string


def _placed(value: Any, in_string: bool) -> str:
    if value is _MISSING:
        return "" if in_string else "null"
    if in_string and isinstance(value, str):
        return compact(value)[1:-1]
    return compact(value)
