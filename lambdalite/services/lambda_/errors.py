"""Lambda's errors, worded as AWS words them (reference/AWS-BEHAVIOUR.md §3.2, aws-recorded/)."""

from __future__ import annotations

from lambdalite.aws.errors import ServiceError


class ResourceNotFound(ServiceError):
    code = "ResourceNotFoundException"
    status = 404


class ResourceConflict(ServiceError):
    code = "ResourceConflictException"
    status = 409


class InvalidParameterValue(ServiceError):
    code = "InvalidParameterValueException"
    status = 400


class PreconditionFailed(ServiceError):
    code = "PreconditionFailedException"
    status = 412


class RequestTooLarge(ServiceError):
    code = "RequestTooLargeException"
    status = 413


class AccessDenied(ServiceError):
    code = "AccessDeniedException"
    status = 403


class TooManyRequests(ServiceError):
    code = "TooManyRequestsException"
    status = 429


def function_not_found(arn: str) -> ResourceNotFound:
    return ResourceNotFound(f"Function not found: {arn}")


def resource_not_found() -> ResourceNotFound:
    return ResourceNotFound("The resource you requested does not exist.")


def revision_mismatch() -> PreconditionFailed:
    return PreconditionFailed(
        "The Revision Id provided does not match the latest Revision Id. "
        "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
    )


def update_in_progress(arn: str) -> ResourceConflict:
    return ResourceConflict(
        "The operation cannot be performed at this time. "
        f"An update is in progress for resource: {arn}"
    )


def function_pending() -> ResourceConflict:
    return ResourceConflict(
        "The operation cannot be performed at this time. "
        "The function is currently in the following state: Pending"
    )


def not_supported(what: str) -> InvalidParameterValue:
    """A feature of AWS Lambda that lambdalite cannot honour: refused, never silently ignored."""
    return InvalidParameterValue(f"{what} is not supported by lambdalite.")


class InvalidRuntime(ServiceError):
    """A runtime lambdalite has no interpreter for. AWS's code for runtime problems, but 400,
    not AWS's 502: SDKs retry 5xx, and retrying cannot make the runtime appear."""

    code = "InvalidRuntimeException"
    status = 400
