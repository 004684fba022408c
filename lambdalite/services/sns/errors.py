"""SNS's errors. ``code`` names the model's error shape; query clients read the shape's own
wire code (``InvalidParameter``, ``NotFound``), which the serializer takes from the model.

Messages are AWS's, as recorded against AWS in localstack/localstack's
tests/aws/services/sns/test_sns.snapshot.json and test_sns_filter_policy.snapshot.json.
"""

from __future__ import annotations

from lambdalite.aws.errors import ServiceError


class InvalidParameter(ServiceError):
    code = "InvalidParameterException"


class ParameterValueInvalid(ServiceError):
    code = "InvalidParameterValueException"


class NotFound(ServiceError):
    code = "NotFoundException"


class TopicNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Topic does not exist")


class SubscriptionNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Subscription does not exist")


class ResourceNotFound(ServiceError):
    code = "ResourceNotFoundException"

    def __init__(self) -> None:
        super().__init__("Resource does not exist")


class TagLimitExceeded(ServiceError):
    code = "TagLimitExceededException"

    def __init__(self) -> None:
        super().__init__("Could not complete request: tag quota of per resource exceeded")


class EmptyBatchRequest(ServiceError):
    code = "EmptyBatchRequestException"

    def __init__(self) -> None:
        super().__init__("The batch request doesn't contain any entries")


class TooManyEntriesInBatchRequest(ServiceError):
    code = "TooManyEntriesInBatchRequestException"

    def __init__(self) -> None:
        super().__init__("The batch request contains more entries than permissible.")


class BatchEntryIdsNotDistinct(ServiceError):
    code = "BatchEntryIdsNotDistinctException"

    def __init__(self) -> None:
        super().__init__("Two or more batch entries in the request have the same Id.")


class InvalidBatchEntryId(ServiceError):
    code = "InvalidBatchEntryIdException"


class BatchRequestTooLong(ServiceError):
    code = "BatchRequestTooLongException"

    def __init__(self) -> None:
        super().__init__("The length of all the messages put together is more than the limit.")


def invalid(what: str) -> InvalidParameter:
    """``Invalid parameter: <what>``: how SNS words most of its refusals."""
    return InvalidParameter(f"Invalid parameter: {what}")


class NotImplementedByLambdalite(ServiceError):
    """A part of SNS that lambdalite does not implement (mail, phones, mobile push): refused
    loudly rather than accepted and silently dropped."""

    code = "NotImplemented"
    status = 501
    sender_fault = False


class ValidationError(ServiceError):
    """A constraint violation SNS checks itself (with the model's wording): query clients read
    ``ValidationError`` (recorded), not the code of the model's ValidationException shape."""

    code = "ValidationError"
    status = 400
