"""API Gateway (v1)'s errors, worded as AWS words them.

The exception classes are API Gateway v2's (the same codes and statuses). Messages come from
getmoto/moto's ``apigateway/exceptions.py`` (which models AWS's answers: "Invalid Resource
identifier specified", "Invalid Method identifier specified", "No integration defined for
method", "Invalid API Key identifier specified", "Invalid Usage Plan ID specified", "Invalid
Deployment identifier specified", "Invalid stage identifier specified", "Enumeration value for
HttpMethod must be non-empty", the AWS_PROXY refusal and the path part rule) and from public
issue threads quoting AWS ("No integration defined for method" as a BadRequestException from
CreateDeployment, terraform-provider-aws #1153's log). Where no recording gave the wording, the
code says so.
"""

from __future__ import annotations

from lambdalite.services.apigatewayv2.errors import (
    BadRequest,
    Conflict,
    NotFound,
    NotServed,
    api_not_found,
)

__all__ = ["BadRequest", "Conflict", "NotFound", "NotServed", "api_not_found"]

RESOURCE_NOT_FOUND = "Invalid Resource identifier specified"
METHOD_NOT_FOUND = "Invalid Method identifier specified"
NO_INTEGRATION = "No integration defined for method"
STAGE_NOT_FOUND = "Invalid stage identifier specified"
DEPLOYMENT_NOT_FOUND = "Invalid Deployment identifier specified"
API_KEY_NOT_FOUND = "Invalid API Key identifier specified"
USAGE_PLAN_NOT_FOUND = "Invalid Usage Plan ID specified"
NO_HTTP_METHOD = "Enumeration value for HttpMethod must be non-empty"
AWS_PROXY_LAMBDA_ONLY = (
    "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose "
    "stream invocations."
)
BAD_PATH_PART = (
    "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the "
    "end and an optional plus sign before the closing brace."
)


def not_found(message: str) -> NotFound:
    return NotFound(message)


def sibling_exists(path_part: str) -> Conflict:
    # AWS's wording as users quote it (CloudFormation/terraform logs): "Another resource with
    # the same parent already has this name: <part>".
    return Conflict(f"Another resource with the same parent already has this name: {path_part}")
