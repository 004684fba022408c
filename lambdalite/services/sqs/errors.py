"""SQS's errors. ``code`` is what a JSON client reads in ``__type``; ``query_code`` is the legacy
code that query clients read, and that boto3 reports even over JSON (from the
``x-amzn-query-error`` header of this query-compatible service)."""

from __future__ import annotations

from lambdalite.aws.errors import ServiceError as _ServiceError


class ServiceError(_ServiceError):
    """An SQS error: AWS names the JSON ``__type`` with the service's namespace."""

    def code_for(self, protocol: str) -> str:
        code = super().code_for(protocol)
        return f"com.amazonaws.sqs#{code}" if protocol == "json" else code


class QueueDoesNotExist(ServiceError):
    code = "QueueDoesNotExist"
    query_code = "AWS.SimpleQueueService.NonExistentQueue"

    def __init__(self) -> None:
        super().__init__("The specified queue does not exist.")

    def message_for(self, protocol: str) -> str:
        # The query API words it for its WSDL (LocalStack's AWS-recorded SQS snapshots).
        if protocol == "query":
            return "The specified queue does not exist for this wsdl version."
        return self.message


class QueueDeletedRecently(ServiceError):
    code = "QueueDeletedRecently"
    query_code = "AWS.SimpleQueueService.QueueDeletedRecently"


class QueueNameExists(ServiceError):
    code = "QueueNameExists"
    query_code = "QueueAlreadyExists"


class InvalidAttributeName(ServiceError):
    code = "InvalidAttributeName"
    query_code = "InvalidAttributeName"


class InvalidAttributeValue(ServiceError):
    code = "InvalidAttributeValue"
    query_code = "InvalidAttributeValue"


class InvalidParameterValue(ServiceError):
    """Not in the model: AWS answers it for values outside an operation's limits."""

    code = "InvalidParameterValueException"
    query_code = "InvalidParameterValue"
    status = 400


class MissingParameter(ServiceError):
    code = "MissingRequiredParameterException"
    query_code = "MissingParameter"
    status = 400


class InvalidMessageContents(ServiceError):
    code = "InvalidMessageContents"
    query_code = "InvalidMessageContents"


class ReceiptHandleIsInvalid(ServiceError):
    code = "ReceiptHandleIsInvalid"
    query_code = "ReceiptHandleIsInvalid"
    status = 404


class MessageNotInflight(ServiceError):
    code = "MessageNotInflight"
    query_code = "AWS.SimpleQueueService.MessageNotInflight"


class PurgeQueueInProgress(ServiceError):
    code = "PurgeQueueInProgress"
    query_code = "AWS.SimpleQueueService.PurgeQueueInProgress"
    status = 403


class EmptyBatchRequest(ServiceError):
    code = "EmptyBatchRequest"
    query_code = "AWS.SimpleQueueService.EmptyBatchRequest"


class TooManyEntriesInBatchRequest(ServiceError):
    code = "TooManyEntriesInBatchRequest"
    query_code = "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"


class BatchEntryIdsNotDistinct(ServiceError):
    code = "BatchEntryIdsNotDistinct"
    query_code = "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"


class InvalidBatchEntryId(ServiceError):
    code = "InvalidBatchEntryId"
    query_code = "AWS.SimpleQueueService.InvalidBatchEntryId"


class BatchRequestTooLong(ServiceError):
    code = "BatchRequestTooLong"
    query_code = "AWS.SimpleQueueService.BatchRequestTooLong"


class UnsupportedOperation(ServiceError):
    code = "UnsupportedOperation"
    query_code = "AWS.SimpleQueueService.UnsupportedOperation"


class OverLimit(ServiceError):
    code = "OverLimit"
    query_code = "OverLimit"
    status = 403


class ResourceNotFound(ServiceError):
    code = "ResourceNotFoundException"
    query_code = "ResourceNotFoundException"
    status = 404
