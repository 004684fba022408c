"""API Gateway v2's errors, worded as AWS words them.

Sources, quoted where used: AWS's answers seen in public issue threads (terraform-provider-aws,
sst, serverless, plutomi), and getmoto/moto's apigatewayv2 exceptions (which follow AWS's
"Invalid <Resource> identifier specified <id>" pattern). Where no public recording gave the
wording, the message says what AWS checks in the plainest form and the code says so.
"""

from __future__ import annotations

from lambdalite.aws.errors import ServiceError


class NotFound(ServiceError):
    code = "NotFoundException"
    status = 404


class BadRequest(ServiceError):
    code = "BadRequestException"
    status = 400


class Conflict(ServiceError):
    code = "ConflictException"
    status = 409


class NotServed(ServiceError):
    """Something AWS has that lambdalite does not serve: said loudly, never faked."""

    code = "NotImplemented"
    status = 501
    sender_fault = False


def api_not_found(account: str, api_id: str) -> NotFound:
    # AWS prefixes the account: "Invalid API identifier specified 750056739266:APIID"
    # (a CloudFormation error quoted in a public blog post; same form for REST APIs).
    return NotFound(f"Invalid API identifier specified {account}:{api_id}")


def not_found(resource: str, identifier: str) -> NotFound:
    """``Route``, ``Integration``, ``Authorizer``, ``Deployment``, ``IntegrationResponse``,
    ``Stage``: "Invalid Route identifier specified <id>" (moto's wording of AWS's)."""
    return NotFound(f"Invalid {resource} identifier specified {identifier}")
