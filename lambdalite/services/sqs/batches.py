"""The rules every SQS batch operation shares: 1 to 10 entries with distinct, well-formed ids,
and an answer that lists each entry as Successful or Failed."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from lambdalite.aws.errors import ServiceError
from lambdalite.services.sqs.errors import (
    BatchEntryIdsNotDistinct,
    EmptyBatchRequest,
    InvalidBatchEntryId,
    MissingParameter,
    TooManyEntriesInBatchRequest,
)

MAX_ENTRIES = 10
_ENTRY_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")

Entry = dict[str, Any]


def required_entries(request: dict[str, Any]) -> list[Entry]:
    """Entries, which this provider checks itself (see SqsProvider.unvalidated)."""
    if "Entries" not in request:
        raise MissingParameter("The request must contain the parameter Entries.")
    entries: list[Entry] = request["Entries"]
    return entries


def check_entries(entries: Sequence[Entry], entry_shape: str) -> None:
    """``entry_shape``: the model's entry shape name, which AWS names in the empty-batch error."""
    if not entries:
        raise EmptyBatchRequest(f"There should be at least one {entry_shape} in the request.")
    if len(entries) > MAX_ENTRIES:
        raise TooManyEntriesInBatchRequest(
            f"Maximum number of entries per request are {MAX_ENTRIES}. You have sent "
            f"{len(entries)}."
        )
    seen: set[str] = set()
    for position, entry in enumerate(entries, 1):
        entry["_position"] = position  # AWS names a bad entry by its 1-based position
        if "Id" not in entry:
            raise MissingParameter(
                f"The request must contain the parameter {entry_shape}.{position}.Id."
            )
        entry_id = entry["Id"]
        if not _ENTRY_ID.fullmatch(entry_id):
            raise InvalidBatchEntryId(
                "A batch entry id can only contain alphanumeric characters, hyphens and "
                "underscores. It can be at most 80 letters long."
            )
        if entry_id in seen:
            raise BatchEntryIdsNotDistinct(f"Id {entry_id} repeated.")
        seen.add(entry_id)


def failure(entry_id: str, error: ServiceError) -> Entry:
    """A Failed entry as AWS lists it: the legacy (query) code, the message, the fault."""
    return {
        "Id": entry_id,
        "SenderFault": error.sender_fault is not False,
        "Code": error.code_for("query"),
        "Message": error.message,
    }


def outcome(results: Sequence[tuple[str, Entry | ServiceError]]) -> dict[str, list[Entry]]:
    """The batch answer for (entry id, result or error) pairs; both lists always present."""
    successful = [result for _, result in results if not isinstance(result, ServiceError)]
    failed = [failure(i, r) for i, r in results if isinstance(r, ServiceError)]
    return {"Successful": successful, "Failed": failed}


Results = list[tuple[str, Entry | ServiceError]]


def each(entries: Sequence[Entry], work: Callable[[Entry], Entry]) -> Results:
    """Run ``work`` for every entry; a ServiceError fails that entry only."""
    results: Results = []
    for entry in entries:
        try:
            results.append((entry["Id"], work(entry)))
        except ServiceError as error:
            results.append((entry["Id"], error))
    return results
