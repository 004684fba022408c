"""Model validation messages, in AWS's wording."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.session import get_session

from lambdalite.aws.errors import ValidationException
from lambdalite.aws.validate import validate_input

LAMBDA = get_session().get_service_model("lambda")
IAM = get_session().get_service_model("iam")


def errors(operation: str, params: dict[str, Any], model: Any = LAMBDA) -> str:
    with pytest.raises(ValidationException) as raised:
        validate_input(model.operation_model(operation).input_shape, params)
    return raised.value.message


def test_missing_required_member() -> None:
    assert errors("GetFunction", {}) == (
        "1 validation error detected: Value null at 'functionName' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_several_violations_are_counted_and_joined() -> None:
    message = errors("GetFunction", {"FunctionName": "", "Qualifier": "x" * 200})
    assert message.startswith(
        "3 validation errors detected: Value '' at 'functionName' failed to satisfy constraint: "
    )
    assert (
        "; Value '"
        + "x" * 200
        + "' at 'qualifier' failed to satisfy constraint: Member must have length less than or equal to 128"
        in message
    )


def test_enum_and_nested_paths() -> None:
    message = errors(
        "UpdateFunctionConfiguration", {"FunctionName": "f", "TracingConfig": {"Mode": "Sometimes"}}
    )
    assert message == (
        "1 validation error detected: Value 'Sometimes' at 'tracingConfig.mode' failed to satisfy "
        "constraint: Member must satisfy enum value set: [Active, PassThrough]"
    )


def test_list_of_structures_reports_member_paths() -> None:
    message = errors(
        "CreateUser",
        {"UserName": "u", "Tags": [{"Key": "k", "Value": "v"}, {"Key": "", "Value": "v"}]},
        IAM,
    )
    assert (
        "at 'tags.2.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1"
        in message
    )


def test_valid_input_passes() -> None:
    validate_input(
        LAMBDA.operation_model("GetFunction").input_shape,
        {"FunctionName": "my-function", "Qualifier": "$LATEST"},
    )


def test_double_bounds_print_as_doubles_as_recorded() -> None:
    """11_alias_errors: routing weights are doubles, and AWS prints their bounds as 1.0 / 0.0."""
    message = errors(
        "CreateAlias",
        {
            "FunctionName": "f",
            "Name": "a",
            "FunctionVersion": "1",
            "RoutingConfig": {"AdditionalVersionWeights": {"2": 2.0}},
        },
    )
    assert message == (
        "1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed to "
        "satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, "
        "Member must have value greater than or equal to 0.0, Member must not be null]"
    )
