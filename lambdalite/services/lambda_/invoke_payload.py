"""Invoke payloads must be JSON; AWS refuses others with its JSON parser's (Jackson's) words.

``Could not parse request body into json: Could not parse payload into json: Invalid UTF-8
start byte 0x87\\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION`
disabled); line: 1, column: 3]`` (aws-recorded 22). Jackson 2.16+ wording for the other cases.
"""

from __future__ import annotations

import json
import re

from lambdalite.aws.errors import ServiceError

_SOURCE = "REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)"
_TOKEN = re.compile(r"[A-Za-z0-9_$]+")


class InvalidRequestContent(ServiceError):
    code = "InvalidRequestContentException"
    status = 400


def check_json_payload(body: bytes) -> None:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _refused(_utf8_problem(body, error), 1, error.start + 2) from error
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        message, column = _jackson(error)
        raise _refused(message, error.lineno, column) from error


def _refused(problem: str, line: int, column: int) -> InvalidRequestContent:
    return InvalidRequestContent(
        "Could not parse request body into json: Could not parse payload into json: "
        f"{problem}\n at [Source: {_SOURCE}; line: {line}, column: {column}]"
    )


def _utf8_problem(body: bytes, error: UnicodeDecodeError) -> str:
    byte = body[error.start]
    kind = (
        "middle"
        if 0x80 <= byte <= 0xBF and error.reason == "invalid continuation byte"
        else "start"
    )
    return f"Invalid UTF-8 {kind} byte 0x{byte:02x}"


def _jackson(error: json.JSONDecodeError) -> tuple[str, int]:
    """Jackson's message for what Python's parser found, and Jackson's (1-based) column."""
    text, position = error.doc, error.pos
    if position >= len(text.rstrip()):
        return "Unexpected end-of-input: expected close marker", error.colno
    token = _TOKEN.match(text, position)
    if token is not None and error.msg == "Expecting value":
        word = token.group()
        expecting = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
        return f"Unrecognized token '{word}': was expecting {expecting}", error.colno + len(word)
    char = text[position]
    return f"Unexpected character ('{char}' (code {ord(char)})): expected a value", error.colno
