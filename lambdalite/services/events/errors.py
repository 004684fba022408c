"""EventBridge's errors, worded as AWS words them.

Sources: localstack's AWS-recorded EventBridge snapshots (tests/aws/services/events/*.snapshot.json)
and AWS-validated tests (test_events_schedule.py, test_events_inputs.py), quoted where used.
"""

from __future__ import annotations

from lambdalite.aws.errors import ServiceError


class ResourceNotFound(ServiceError):
    code = "ResourceNotFoundException"
    status = 400


class ResourceAlreadyExists(ServiceError):
    code = "ResourceAlreadyExistsException"
    status = 400


class InvalidEventPattern(ServiceError):
    code = "InvalidEventPatternException"
    status = 400


class Validation(ServiceError):
    """EventBridge's own ValidationException (not in its model, answered all the same)."""

    code = "ValidationException"
    status = 400


class LimitExceeded(ServiceError):
    code = "LimitExceededException"
    status = 400


def bus_not_found(name: str) -> ResourceNotFound:
    return ResourceNotFound(f"Event bus {name} does not exist.")


def rule_not_found(name: str, bus: str) -> ResourceNotFound:
    return ResourceNotFound(f"Rule {name} does not exist on EventBus {bus}.")


def invalid_pattern(reason: str) -> InvalidEventPattern:
    return InvalidEventPattern(f"Event pattern is not valid. Reason: {reason}")
