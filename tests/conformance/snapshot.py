"""Compare our responses with responses recorded against real AWS (tests/fixtures/aws-recorded).

The recordings carry LocalStack's placeholders: ``111111111111`` for the account, ``<region>``,
``arn:<partition>:``, numbered references (``<uuid:1>``, ``<function-name:2>``: the same number
is the same value within one test, different numbers are different values), unnumbered ones
(``<code-size>``, ``<location>``: any value) and ``date``. Rather than re-deriving the
numbering, a recording is matched as a pattern: every numbered placeholder must bind one value
consistently, and no two placeholders may bind the same value.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "aws-recorded"
_PLACEHOLDER = re.compile(r"<([a-zA-Z0-9_-]+)(?::(\d+))?>")
# Values LocalStack's transformers replaced by a bare word: any value was recorded there.
_ANY = {
    "code-sha256",
    "datetime",
    "timestamp",
    "sent-timestamp",
    "sender-id",
    "maximum-batching-window-in-seconds",
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")


def recorded(case: str, key: str, snapshot: int | str = 0) -> Any:
    """One recorded response of a case file, e.g. ``recorded("01_function_lifecycle", "create_response")``.

    ``snapshot`` picks the recorded test by index, or by the end of its key (``"[python3.12]"``).
    """
    snapshots = json.loads((RECORDED / f"{case}.json").read_text())["snapshots"]
    if isinstance(snapshot, str):
        return next(s for s in snapshots if s["snapshot_key"].endswith(snapshot))[
            "recorded_content"
        ][key]
    return snapshots[snapshot]["recorded_content"][key]


class Snapshot:
    """Matches responses of one scenario against its recording, with shared bindings."""

    def __init__(self, account: str = "000000000000", region: str = "us-east-1") -> None:
        self.account = account
        self.region = region
        self.bindings: dict[str, str] = {}

    def match(self, expected: Any, actual: Any, path: str = "$") -> None:
        """Raise AssertionError naming the first difference (by JSON path)."""
        if isinstance(expected, dict):
            self._match_dict(expected, actual, path)
        elif isinstance(expected, list):
            assert isinstance(actual, list) and len(actual) == len(expected), (
                f"{path}: {actual!r} != {expected!r}"
            )
            for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
                self.match(want, got, f"{path}[{index}]")
        elif isinstance(expected, str):
            self._match_text(expected, actual, path)
        else:
            assert actual == expected, f"{path}: {actual!r} != {expected!r}"

    def _match_dict(self, expected: dict[str, Any], actual: Any, path: str) -> None:
        assert isinstance(actual, dict), f"{path}: {actual!r} is not an object"
        if "ResponseMetadata" in expected:
            assert (
                actual.get("ResponseMetadata", {}).get("HTTPStatusCode")
                == expected["ResponseMetadata"]["HTTPStatusCode"]
            ), f"{path}.ResponseMetadata.HTTPStatusCode"
        want = {k: v for k, v in expected.items() if k != "ResponseMetadata"}
        got = {k: v for k, v in actual.items() if k != "ResponseMetadata"}
        assert set(got) == set(want), (
            f"{path}: keys differ: missing {sorted(set(want) - set(got))}, unexpected {sorted(set(got) - set(want))}"
        )
        for key, value in want.items():
            self.match(value, got[key], f"{path}.{key}")

    def _match_text(self, expected: str, actual: Any, path: str) -> None:
        if expected in _ANY:
            assert actual is not None, f"{path}: missing"
            return
        if expected == "date":
            text = actual.isoformat() if isinstance(actual, datetime) else str(actual)
            assert _DATE.fullmatch(text.replace("+0000", "+00:00")), (
                f"{path}: {actual!r} is not a date"
            )
            return
        if isinstance(actual, datetime):
            actual = actual.isoformat()
        text = actual if isinstance(actual, str) else json.dumps(actual)
        pattern, names = self._pattern(expected)
        found = re.fullmatch(pattern, text, re.S)
        assert found, f"{path}: {text!r} does not match recorded {expected!r}"
        for group, name in names.items():
            self._bind(name, found.group(group), path)

    def _pattern(self, expected: str) -> tuple[str, dict[str, str]]:
        text = expected.replace("arn:<partition>:", "arn:aws:").replace(
            "111111111111", self.account
        )
        text = text.replace("<region>", self.region)
        pattern, names, position = "", {}, 0
        for index, found in enumerate(_PLACEHOLDER.finditer(text)):
            pattern += re.escape(text[position : found.start()])
            if found.group(2) is None:
                pattern += "(?:.+?)"
            else:
                names[f"p{index}"] = found.group(0)
                pattern += f"(?P<p{index}>.+?)"
            position = found.end()
        return pattern + re.escape(text[position:]), names

    def _bind(self, name: str, value: str, path: str) -> None:
        bound = self.bindings.setdefault(name, value)
        assert bound == value, f"{path}: {name} was {bound!r} before, now {value!r}"
        others = [other for other, v in self.bindings.items() if v == value and other != name]
        assert not others, f"{path}: {name} and {others[0]} both stand for {value!r}"
