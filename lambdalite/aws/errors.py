"""Typed AWS errors.

A provider raises a :class:`ServiceError`; the serializer turns it into the error shape of the
request's protocol. Status and fault default to what the service model declares for the error
code, so a provider only names the code and the message (worded exactly as AWS words it).
"""

from __future__ import annotations

from typing import Any, ClassVar


class ServiceError(Exception):
    """An error answered to the client in the AWS wire format of its protocol.

    ``code``/``status``/``sender_fault`` may be set per class or per instance. When ``status`` or
    ``sender_fault`` is ``None`` the serializer takes them from the error shape in the service
    model, falling back to 400/sender. ``fields`` are extra members of the error shape
    (``Type``, ``Reason``, ...); ``headers`` are extra response headers (``Retry-After``).
    """

    code: ClassVar[str] = "InternalFailure"
    #: The code a query-protocol (XML) client sees when it differs from ``code``.
    query_code: ClassVar[str | None] = None
    status: int | None = None
    sender_fault: bool | None = None

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        status: int | None = None,
        sender_fault: bool | None = None,
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code  # type: ignore[misc]  # instance override of the class default
        if status is not None:
            self.status = status
        if sender_fault is not None:
            self.sender_fault = sender_fault
        self.headers = headers or {}
        self.fields = fields

    def code_for(self, protocol: str) -> str:
        """The error code as a client of ``protocol`` expects it."""
        if protocol == "query" and self.query_code:
            return self.query_code
        return self.code

    def message_for(self, protocol: str) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class InternalFailure(ServiceError):
    code = "InternalFailure"
    status = 500
    sender_fault = False

    def __init__(self, message: str = "An internal error occurred.") -> None:
        super().__init__(message)


class OperationNotImplemented(ServiceError):
    """An operation that exists in AWS but that no lambdalite provider implements (yet)."""

    code = "NotImplemented"
    status = 501
    sender_fault = False

    def __init__(self, service: str, operation: str) -> None:
        super().__init__(
            f"The operation {operation} of service {service} is not implemented by lambdalite."
        )


class UnknownOperation(ServiceError):
    code = "UnknownOperationException"
    query_code = "InvalidAction"
    status = 400


class MissingAction(ServiceError):
    """A query-protocol request that names no action."""

    code = "MissingAction"
    status = 400

    def __init__(self) -> None:
        super().__init__("The request is missing an action or a required parameter.")


class RouteNotFound(ServiceError):
    """No service/operation matches the request at all (rest path, target or action)."""

    code = "UnknownOperationException"
    status = 404


class SerializationException(ServiceError):
    """The body could not be read as the protocol's format (malformed JSON, wrong types)."""

    code = "SerializationException"
    query_code = "MalformedInput"
    status = 400


class ValidationException(ServiceError):
    """Input violates the model's constraints; message in AWS's smithy wording."""

    code = "ValidationException"
    query_code = "ValidationError"
    status = 400


class RequestEntityTooLarge(ServiceError):
    code = "RequestEntityTooLargeException"
    query_code = "RequestEntityTooLarge"
    status = 413


class HeadersTooLarge(ServiceError):
    code = "RequestHeaderFieldsTooLarge"
    status = 431


class RequestTimeout(ServiceError):
    code = "RequestTimeoutException"
    query_code = "RequestTimeout"
    status = 408


# --- authentication (SigV4) --------------------------------------------------------------------
# JSON and REST services answer the ...Exception codes; query (XML) services the short ones.


class MissingAuthenticationToken(ServiceError):
    code = "MissingAuthenticationTokenException"
    query_code = "MissingAuthenticationToken"
    status = 403

    def __init__(self) -> None:
        super().__init__("Missing Authentication Token")

    def message_for(self, protocol: str) -> str:
        # STS/IAM/SNS word it differently from the JSON services.
        return "Request is missing Authentication Token" if protocol == "query" else self.message


class IncompleteSignature(ServiceError):
    code = "IncompleteSignatureException"
    query_code = "IncompleteSignature"
    status = 400


class InvalidSignature(ServiceError):
    code = "InvalidSignatureException"
    query_code = "SignatureDoesNotMatch"
    status = 403


class UnrecognizedClient(ServiceError):
    code = "UnrecognizedClientException"
    query_code = "InvalidClientTokenId"
    status = 403

    def __init__(
        self, message: str = "The security token included in the request is invalid."
    ) -> None:
        super().__init__(message)


SIGNATURE_MISMATCH_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
