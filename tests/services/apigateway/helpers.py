"""Building REST APIs (API Gateway v1) with boto3, for the control-plane, data-plane and
conformance tests."""

from __future__ import annotations

from typing import Any


def lambda_uri(function_arn: str, region: str = "us-east-1") -> str:
    """The integration URI of a Lambda proxy integration."""
    return (
        f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )


def add_resource(apigw: Any, api_id: str, parent_id: str, part: str) -> str:
    return str(apigw.create_resource(restApiId=api_id, parentId=parent_id, pathPart=part)["id"])


def proxy_method(
    apigw: Any, api_id: str, resource_id: str, function_arn: str, method: str = "ANY", **kw: Any
) -> None:
    """``method`` on the resource, NONE authorization, AWS_PROXY to the function."""
    apigw.put_method(
        restApiId=api_id,
        resourceId=resource_id,
        httpMethod=method,
        authorizationType="NONE",
        **kw,
    )
    apigw.put_integration(
        restApiId=api_id,
        resourceId=resource_id,
        httpMethod=method,
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=lambda_uri(function_arn),
    )


def proxy_api(apigw: Any, name: str, function_arn: str, stage: str = "stage") -> str:
    """``/{proxy+}`` ANY to the function, deployed to ``stage``; the API's id."""
    api_id = str(apigw.create_rest_api(name=name)["id"])
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    proxy = add_resource(apigw, api_id, root, "{proxy+}")
    proxy_method(apigw, api_id, proxy, function_arn)
    apigw.create_deployment(restApiId=api_id, stageName=stage)
    return api_id
