"""Update* operations of the REST API control plane (API Gateway v1): patch operations, AWS's
answers to bad ones, and nothing half-applied."""

from __future__ import annotations

from typing import Any

from .conftest import FUNCTION_ARN, error_of
from .helpers import add_resource, proxy_api, proxy_method


def _api(apigw: Any, name: str) -> tuple[str, str]:
    made = apigw.create_rest_api(name=name, description="this is my api")
    return made["id"], made["rootResourceId"]


def test_update_rest_api_binary_media_types_compression_and_errors(apigw: Any) -> None:
    api_id, _ = _api(apigw, "upd-api")
    ops = [
        {"op": "add", "path": "/binaryMediaTypes/image~1png"},
        {"op": "add", "path": "/binaryMediaTypes/image~1jpeg"},
    ]
    made = apigw.update_rest_api(restApiId=api_id, patchOperations=ops)
    assert made["binaryMediaTypes"] == ["image/png", "image/jpeg"] and made["tags"] == {}
    ops = [{"op": "replace", "path": "/binaryMediaTypes/image~1png", "value": "image/gif"}]
    made = apigw.update_rest_api(restApiId=api_id, patchOperations=ops)
    assert made["binaryMediaTypes"] == ["image/jpeg", "image/gif"]
    ops = [
        {"op": "remove", "path": "/description"},
        {"op": "replace", "path": "/name", "value": "n"},
    ]
    made = apigw.update_rest_api(restApiId=api_id, patchOperations=ops)
    assert "description" not in made and made["name"] == "n"
    ops = [{"op": "replace", "path": "/minimumCompressionSize", "value": "10"}]
    assert (
        apigw.update_rest_api(restApiId=api_id, patchOperations=ops)["minimumCompressionSize"] == 10
    )
    cases = [
        (
            {"op": "add", "path": "/binaryMediaTypes", "value": "x"},
            "Invalid patch path /binaryMediaTypes",
        ),
        (
            {"op": "replace", "path": "/minimumCompressionSize", "value": "-1"},
            "Invalid minimum compression size, must be between 0 and 10485760",
        ),
        (
            {"op": "add", "path": "/minimumCompressionSize", "value": "1"},
            "Invalid patch operation specified. Must be one of: [replace]",
        ),
    ]
    for op, message in cases:
        assert error_of(apigw.update_rest_api, restApiId=api_id, patchOperations=[op]) == (
            "BadRequestException",
            message,
            400,
        )
    # nothing half-applied: the valid first op of a failing request is not kept
    ops = [{"op": "replace", "path": "/name", "value": "kept?"}, {"op": "add", "path": "/nope"}]
    error_of(apigw.update_rest_api, restApiId=api_id, patchOperations=ops)
    assert apigw.get_rest_api(restApiId=api_id)["name"] == "n"
    _, _, status = error_of(
        apigw.update_rest_api,
        restApiId=api_id,
        patchOperations=[{"op": "replace", "path": "/apiKeySource", "value": "AUTHORIZER"}],
    )
    assert status == 501


def test_update_resource_moves_and_renames_with_aws_errors(apigw: Any) -> None:
    api_id, root = _api(apigw, "upd-resource")
    pets = add_resource(apigw, api_id, root, "pets")
    sub = add_resource(apigw, api_id, pets, "subpets")
    add_resource(apigw, api_id, sub, "leaf")
    moved = apigw.update_resource(
        restApiId=api_id,
        resourceId=sub,
        patchOperations=[{"op": "replace", "path": "/parentId", "value": root}],
    )
    assert moved["path"] == "/subpets" and moved["parentId"] == root
    paths = sorted(r["path"] for r in apigw.get_resources(restApiId=api_id)["items"])
    assert paths == ["/", "/pets", "/subpets", "/subpets/leaf"]
    renamed = apigw.update_resource(
        restApiId=api_id,
        resourceId=pets,
        patchOperations=[{"op": "replace", "path": "/pathPart", "value": "dogs"}],
    )
    assert renamed["path"] == "/dogs"
    code, message, _ = error_of(
        apigw.update_resource,
        restApiId=api_id,
        resourceId=pets,
        patchOperations=[{"op": "replace", "path": "/invalid", "value": "x"}],
    )
    assert message == (
        "Invalid patch path  '/invalid' specified for op 'replace'. "
        "Must be one of: [/parentId, /pathPart]"
    )
    _, message, _ = error_of(
        apigw.update_resource,
        restApiId=api_id,
        resourceId=pets,
        patchOperations=[{"op": "remove", "path": "/pathPart"}],
    )
    assert message == (
        "Invalid patch path  '/pathPart' specified for op 'remove'. Please choose supported operations"
    )
    leaf = next(
        r["id"]
        for r in apigw.get_resources(restApiId=api_id)["items"]
        if r["path"] == "/subpets/leaf"
    )
    _, message, _ = error_of(
        apigw.update_resource,
        restApiId=api_id,
        resourceId=sub,
        patchOperations=[{"op": "replace", "path": "/parentId", "value": leaf}],
    )
    assert message == "Resources cannot be cyclical."
    code, message, status = error_of(
        apigw.update_resource,
        restApiId=api_id,
        resourceId=pets,
        patchOperations=[{"op": "replace", "path": "/pathPart", "value": "subpets"}],
    )
    assert (code, status) == ("ConflictException", 409)


def test_update_method_and_integration(apigw: Any) -> None:
    api_id, root = _api(apigw, "upd-method")
    proxy_method(apigw, api_id, root, FUNCTION_ARN, "ANY")
    ops = [
        {"op": "replace", "path": "/apiKeyRequired", "value": "true"},
        {"op": "replace", "path": "/operationName", "value": "Op"},
        {"op": "add", "path": "/requestParameters/method.request.querystring.q", "value": "true"},
    ]
    method = apigw.update_method(
        restApiId=api_id, resourceId=root, httpMethod="ANY", patchOperations=ops
    )
    assert method["apiKeyRequired"] is True and method["operationName"] == "Op"
    assert method["requestParameters"] == {"method.request.querystring.q": True}
    ops = [{"op": "replace", "path": "/apiKeyRequired", "value": "whatever"}]
    method = apigw.update_method(
        restApiId=api_id, resourceId=root, httpMethod="ANY", patchOperations=ops
    )
    assert method["apiKeyRequired"] is False
    cases = [
        (
            {"op": "add", "path": "/operationName", "value": "x"},
            "Invalid patch operation specified. Must be one of: [replace]",
        ),
        ({"op": "add", "path": "/httpMethod", "value": "PUT"}, "Invalid patch path /httpMethod"),
        (
            {"op": "replace", "path": "/requestValidatorId", "value": "x"},
            "Invalid Request Validator identifier specified",
        ),
        (
            {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"},
            "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.",
        ),
    ]
    for op, message in cases:
        got = error_of(
            apigw.update_method,
            restApiId=api_id,
            resourceId=root,
            httpMethod="ANY",
            patchOperations=[op],
        )
        assert got == ("BadRequestException", message, 400)
    assert error_of(
        apigw.update_method, restApiId="nope", resourceId=root, httpMethod="ANY", patchOperations=[]
    )[:2] == ("NotFoundException", "Invalid Resource identifier specified")
    ops = [{"op": "replace", "path": "/timeoutInMillis", "value": "1000"}]
    integration = apigw.update_integration(
        restApiId=api_id, resourceId=root, httpMethod="ANY", patchOperations=ops
    )
    assert integration["timeoutInMillis"] == 1000
    ops = [{"op": "replace", "path": "/uri", "value": "arn:aws:s3:::bucket"}]
    _, message, _ = error_of(
        apigw.update_integration,
        restApiId=api_id,
        resourceId=root,
        httpMethod="ANY",
        patchOperations=ops,
    )
    assert message.startswith("Integrations of type 'AWS_PROXY' currently only supports Lambda")
    ops = [{"op": "replace", "path": "/type", "value": "MOCK"}]
    assert (
        error_of(
            apigw.update_integration,
            restApiId=api_id,
            resourceId=root,
            httpMethod="ANY",
            patchOperations=ops,
        )[2]
        == 501
    )


def test_update_stage_deployment_and_method_settings(apigw: Any) -> None:
    api_id = proxy_api(apigw, "upd-stage", FUNCTION_ARN, stage="dev")
    first = apigw.get_stage(restApiId=api_id, stageName="dev")["deploymentId"]
    second = apigw.create_deployment(restApiId=api_id, description="two")["id"]
    ops = [
        {"op": "replace", "path": "/deploymentId", "value": second},
        {"op": "add", "path": "/variables/color", "value": "red"},
        {"op": "replace", "path": "/description", "value": "d"},
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "7.5"},
        {"op": "replace", "path": "/~1{proxy+}/ANY/metrics/enabled", "value": "true"},
    ]
    stage = apigw.update_stage(restApiId=api_id, stageName="dev", patchOperations=ops)
    assert stage["deploymentId"] == second and stage["variables"] == {"color": "red"}
    assert stage["methodSettings"]["*/*"]["throttlingRateLimit"] == 7.5
    assert stage["methodSettings"]["{proxy+}/ANY"]["metricsEnabled"] is True
    stage = apigw.update_stage(
        restApiId=api_id, stageName="dev", patchOperations=[{"op": "remove", "path": "/*/*"}]
    )
    assert "*/*" not in stage["methodSettings"]
    _, message, _ = error_of(
        apigw.update_stage,
        restApiId=api_id,
        stageName="dev",
        patchOperations=[
            {"op": "replace", "path": "/test/GET/throttling/burstLimit", "value": "1"}
        ],
    )
    assert message.startswith(
        "Invalid method setting path: /test/GET/throttling/burstLimit. Must be one of: "
        "[/deploymentId, /description, /cacheClusterEnabled,"
    )
    assert "/throttling/burstLimit/{resourcePath}/{httpMethod}/throttling/rateLimit" in message
    assert "/*/*/throttling/burstLimit /*/*/throttling/rateLimit" in message
    ops = [{"op": "replace", "path": "/deploymentId", "value": "nope00"}]
    assert error_of(apigw.update_stage, restApiId=api_id, stageName="dev", patchOperations=ops)[
        1
    ] == ("Deployment id does not exist")
    ops = [{"op": "replace", "path": "/cacheClusterEnabled", "value": "true"}]
    assert (
        error_of(apigw.update_stage, restApiId=api_id, stageName="dev", patchOperations=ops)[2]
        == 501
    )
    made = apigw.update_deployment(
        restApiId=api_id,
        deploymentId=first,
        patchOperations=[{"op": "replace", "path": "/description", "value": "first"}],
    )
    assert made["description"] == "first" and made["id"] == first


def test_update_api_key_and_usage_plan(apigw: Any) -> None:
    api_id = proxy_api(apigw, "upd-plan", FUNCTION_ARN, stage="dev")
    key = apigw.create_api_key(name="k", enabled=True)
    ops = [
        {"op": "replace", "path": "/enabled", "value": "false"},
        {"op": "replace", "path": "/name", "value": "k2"},
    ]
    updated = apigw.update_api_key(apiKey=key["id"], patchOperations=ops)
    assert updated["enabled"] is False and updated["name"] == "k2" and "value" not in updated
    plan = apigw.create_usage_plan(name="p", quota={"limit": 5, "period": "DAY"})
    ops = [
        {"op": "add", "path": "/apiStages", "value": f"{api_id}:dev"},
        {"op": "replace", "path": "/throttle/rateLimit", "value": "2.5"},
        {"op": "replace", "path": "/throttle/burstLimit", "value": "3"},
        {"op": "replace", "path": "/quota/limit", "value": "9"},
    ]
    updated = apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=ops)
    assert updated["apiStages"] == [{"apiId": api_id, "stage": "dev"}]
    assert updated["throttle"] == {"rateLimit": 2.5, "burstLimit": 3}
    assert updated["quota"] == {"limit": 9, "offset": 0, "period": "DAY"}
    ops = [{"op": "remove", "path": "/apiStages", "value": f"{api_id}:prod"}]
    code, message, _ = error_of(
        apigw.update_usage_plan, usagePlanId=plan["id"], patchOperations=ops
    )
    assert (code, message) == (
        "NotFoundException",
        f"Invalid API Stage {{api: {api_id}, stage: prod}} specified for usageplan {plan['id']}",
    )
    ops = [{"op": "add", "path": "/apiStages", "value": "bad"}]
    assert error_of(apigw.update_usage_plan, usagePlanId=plan["id"], patchOperations=ops)[1] == (
        "Invalid API Stage specified"
    )
    ops = [
        {"op": "remove", "path": "/quota"},
        {"op": "remove", "path": "/apiStages", "value": f"{api_id}:dev"},
    ]
    updated = apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=ops)
    assert "quota" not in updated and updated["apiStages"] == []
