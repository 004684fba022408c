"""The REST API control plane (API Gateway v1) through boto3: APIs, resources, methods,
integrations, deployments, stages, API keys, usage plans and their keys."""

from __future__ import annotations

from typing import Any

from .conftest import FUNCTION_ARN, error_of
from .helpers import add_resource, lambda_uri, proxy_api, proxy_method


def test_rest_api_lifecycle_with_root_resource(apigw: Any) -> None:
    made = apigw.create_rest_api(name="shop", description="d")
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert made["apiKeySource"] == "HEADER" and made["endpointConfiguration"]["types"] == ["EDGE"]
    api_id = made["id"]
    resources = apigw.get_resources(restApiId=api_id)["items"]
    assert resources == [{"id": made["rootResourceId"], "path": "/"}]
    assert apigw.get_rest_api(restApiId=api_id)["name"] == "shop"
    assert api_id in [api["id"] for api in apigw.get_rest_apis()["items"]]
    apigw.delete_rest_api(restApiId=api_id)
    code, message, status = error_of(apigw.get_rest_api, restApiId=api_id)
    assert (code, status) == ("NotFoundException", 404)
    assert message == f"Invalid API identifier specified 000000000000:{api_id}"


def test_resources_paths_and_errors(apigw: Any) -> None:
    api = apigw.create_rest_api(name="paths")
    api_id, root = api["id"], api["rootResourceId"]
    users = add_resource(apigw, api_id, root, "users")
    user = apigw.create_resource(restApiId=api_id, parentId=users, pathPart="{id}")
    assert user["path"] == "/users/{id}" and user["parentId"] == users
    code, message, _ = error_of(
        apigw.create_resource, restApiId=api_id, parentId=root, pathPart="users"
    )
    assert code == "ConflictException" and message.endswith("already has this name: users")
    code, _, status = error_of(
        apigw.create_resource, restApiId=api_id, parentId=root, pathPart="bad/part"
    )
    assert (code, status) == ("BadRequestException", 400)
    apigw.delete_resource(restApiId=api_id, resourceId=users)  # and its child
    assert [r["path"] for r in apigw.get_resources(restApiId=api_id)["items"]] == ["/"]
    code, message, _ = error_of(apigw.get_resource, restApiId=api_id, resourceId=users)
    assert (code, message) == ("NotFoundException", "Invalid Resource identifier specified")


def test_methods_and_integrations(apigw: Any) -> None:
    api = apigw.create_rest_api(name="methods")
    api_id, root = api["id"], api["rootResourceId"]
    proxy_method(apigw, api_id, root, FUNCTION_ARN, "GET", apiKeyRequired=True)
    method = apigw.get_method(restApiId=api_id, resourceId=root, httpMethod="GET")
    assert method["apiKeyRequired"] is True and method["authorizationType"] == "NONE"
    integration = method["methodIntegration"]
    assert integration["type"] == "AWS_PROXY" and integration["uri"] == lambda_uri(FUNCTION_ARN)
    assert integration["timeoutInMillis"] == 29000 and integration["httpMethod"] == "POST"
    code, message, _ = error_of(
        apigw.get_method, restApiId=api_id, resourceId=root, httpMethod="PUT"
    )
    assert (code, message) == ("NotFoundException", "Invalid Method identifier specified")


def test_unsupported_authorization_and_integration_types_are_refused_loudly(apigw: Any) -> None:
    api = apigw.create_rest_api(name="loud")
    api_id, root = api["id"], api["rootResourceId"]
    _, _, status = error_of(
        apigw.put_method,
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        authorizationType="AWS_IAM",
    )
    assert status == 501
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    _, _, status = error_of(
        apigw.put_integration,
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        type="MOCK",
    )
    assert status == 501
    code, message, _ = error_of(
        apigw.put_integration,
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        type="AWS_PROXY",
        uri=lambda_uri(FUNCTION_ARN),
    )
    assert (code, message) == (
        "BadRequestException",
        "Enumeration value for HttpMethod must be non-empty",
    )


def test_deployments_and_stages(apigw: Any) -> None:
    api = apigw.create_rest_api(name="deploy")
    api_id, root = api["id"], api["rootResourceId"]
    code, message, _ = error_of(apigw.create_deployment, restApiId=api_id, stageName="s")
    assert (code, message) == ("BadRequestException", "The REST API doesn't contain any methods")
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    code, message, _ = error_of(apigw.create_deployment, restApiId=api_id)
    assert (code, message) == ("BadRequestException", "No integration defined for method")
    apigw.delete_method(restApiId=api_id, resourceId=root, httpMethod="GET")
    proxy_method(apigw, api_id, root, FUNCTION_ARN, "GET")
    deployment = apigw.create_deployment(restApiId=api_id, stageName="dev", variables={"a": "b"})
    stage = apigw.get_stage(restApiId=api_id, stageName="dev")
    assert stage["deploymentId"] == deployment["id"] and stage["variables"] == {"a": "b"}
    apigw.create_stage(restApiId=api_id, stageName="prod", deploymentId=deployment["id"])
    names = [s["stageName"] for s in apigw.get_stages(restApiId=api_id)["item"]]
    assert names == ["dev", "prod"]
    assert [d["id"] for d in apigw.get_deployments(restApiId=api_id)["items"]] == [deployment["id"]]
    code, _, _ = error_of(
        apigw.create_stage, restApiId=api_id, stageName="prod", deploymentId=deployment["id"]
    )
    assert code == "ConflictException"
    apigw.delete_stage(restApiId=api_id, stageName="prod")
    code, message, _ = error_of(apigw.get_stage, restApiId=api_id, stageName="prod")
    assert (code, message) == ("NotFoundException", "Invalid stage identifier specified")


def test_api_keys(apigw: Any) -> None:
    made = apigw.create_api_key(name="k1", enabled=True)
    assert len(made["value"]) == 40 and made["enabled"] is True
    assert "value" not in apigw.get_api_key(apiKey=made["id"])
    assert apigw.get_api_key(apiKey=made["id"], includeValue=True)["value"] == made["value"]
    given = apigw.create_api_key(name="k2", value="a-value-of-twenty-chars")
    assert given["value"] == "a-value-of-twenty-chars" and given["enabled"] is False
    listed = apigw.get_api_keys(includeValues=True, nameQuery="k")["items"]
    assert {k["id"]: k["value"] for k in listed}[made["id"]] == made["value"]
    code, _, status = error_of(apigw.create_api_key, name="k3", value="a-value-of-twenty-chars")
    assert (code, status) == ("ConflictException", 409)
    code, _, _ = error_of(apigw.create_api_key, name="short", value="short")
    assert code == "BadRequestException"
    apigw.delete_api_key(apiKey=given["id"])
    code, message, _ = error_of(apigw.get_api_key, apiKey=given["id"])
    assert (code, message) == ("NotFoundException", "Invalid API Key identifier specified")


def test_usage_plans_and_keys(apigw: Any) -> None:
    api_id = proxy_api(apigw, "planned", FUNCTION_ARN)
    plan = apigw.create_usage_plan(
        name="gold",
        apiStages=[{"apiId": api_id, "stage": "stage"}],
        throttle={"burstLimit": 5, "rateLimit": 2.5},
        quota={"limit": 100, "period": "DAY"},
    )
    assert plan["throttle"] == {"burstLimit": 5, "rateLimit": 2.5}
    assert plan["quota"] == {"limit": 100, "offset": 0, "period": "DAY"}
    assert apigw.get_usage_plan(usagePlanId=plan["id"])["apiStages"] == plan["apiStages"]
    key = apigw.create_api_key(name="member", enabled=True)
    linked = apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    assert linked == {**linked, "id": key["id"], "type": "API_KEY", "value": key["value"]}
    code, _, _ = error_of(
        apigw.create_usage_plan_key, usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY"
    )
    assert code == "ConflictException"
    assert [k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]] == [
        key["id"]
    ]
    assert [p["id"] for p in apigw.get_usage_plans(keyId=key["id"])["items"]] == [plan["id"]]
    apigw.delete_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])
    assert apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"] == []
    apigw.delete_usage_plan(usagePlanId=plan["id"])
    code, message, _ = error_of(apigw.get_usage_plan, usagePlanId=plan["id"])
    assert (code, message) == ("NotFoundException", "Invalid Usage Plan ID specified")
    code, _, _ = error_of(
        apigw.create_usage_plan, name="bad", apiStages=[{"apiId": api_id, "stage": "nope"}]
    )
    assert code == "NotFoundException"
