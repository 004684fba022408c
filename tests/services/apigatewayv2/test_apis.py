"""CreateApi (plain and quick create), GetApi(s), UpdateApi, DeleteApi, CORS, tags."""

from __future__ import annotations

import re
from typing import Any

from tests.services.apigatewayv2.conftest import LAMBDA_ARN, error_of
from tests.support.server import LambdaliteServer


def test_create_api_answers_aws_defaults(apigw: Any, server: LambdaliteServer) -> None:
    api = apigw.create_api(Name="plain", ProtocolType="HTTP", Tags={"team": "a"})
    assert re.fullmatch(r"[a-z0-9]{10}", api["ApiId"])
    port = server.endpoint.rsplit(":", 1)[1]
    assert api["ApiEndpoint"] == f"http://{api['ApiId']}.execute-api.localhost:{port}"
    assert api["ApiKeySelectionExpression"] == "$request.header.x-api-key"
    assert api["RouteSelectionExpression"] == "$request.method $request.path"
    assert api["DisableExecuteApiEndpoint"] is False
    assert api["ProtocolType"] == "HTTP"
    assert api["Tags"] == {"team": "a"}
    assert "CreatedDate" in api
    fetched = apigw.get_api(ApiId=api["ApiId"])
    assert {k: v for k, v in fetched.items() if k != "ResponseMetadata"} == {
        k: v for k, v in api.items() if k != "ResponseMetadata"
    }


def test_quick_create_makes_managed_route_integration_and_auto_deployed_stage(apigw: Any) -> None:
    api = apigw.create_api(Name="quick", ProtocolType="HTTP", Target=LAMBDA_ARN)
    routes = apigw.get_routes(ApiId=api["ApiId"])["Items"]
    assert [(r["RouteKey"], r["ApiGatewayManaged"]) for r in routes] == [("$default", True)]
    integration = apigw.get_integrations(ApiId=api["ApiId"])["Items"][0]
    assert routes[0]["Target"] == f"integrations/{integration['IntegrationId']}"
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["IntegrationMethod"] == "POST"
    stage = apigw.get_stage(ApiId=api["ApiId"], StageName="$default")
    assert stage["AutoDeploy"] is True and stage["ApiGatewayManaged"] is True
    assert stage["LastDeploymentStatusMessage"] == (
        f"Successfully deployed stage with deployment ID '{stage['DeploymentId']}'"
    )
    deployment = apigw.get_deployment(ApiId=api["ApiId"], DeploymentId=stage["DeploymentId"])
    assert deployment["AutoDeployed"] is True and deployment["DeploymentStatus"] == "DEPLOYED"


def test_quick_create_with_route_key_and_http_target(apigw: Any) -> None:
    api = apigw.create_api(
        Name="q", ProtocolType="HTTP", Target="https://example.com", RouteKey="GET /pets"
    )
    assert apigw.get_routes(ApiId=api["ApiId"])["Items"][0]["RouteKey"] == "GET /pets"
    integration = apigw.get_integrations(ApiId=api["ApiId"])["Items"][0]
    assert integration["IntegrationType"] == "HTTP_PROXY"
    assert integration["PayloadFormatVersion"] == "1.0"


def test_unknown_api_is_not_found_with_the_account(apigw: Any) -> None:
    code, message, status = error_of(apigw.get_api, ApiId="nope123456")
    assert (code, status) == ("NotFoundException", 404)
    assert message == "Invalid API identifier specified 000000000000:nope123456"


def test_update_api_and_cors_configuration(apigw: Any, api_id: str) -> None:
    cors = {"AllowOrigins": ["https://a.example"], "AllowMethods": ["GET"], "MaxAge": 60}
    updated = apigw.update_api(ApiId=api_id, Name="renamed", CorsConfiguration=cors)
    assert updated["Name"] == "renamed"
    assert updated["CorsConfiguration"] == cors
    apigw.delete_cors_configuration(ApiId=api_id)
    assert "CorsConfiguration" not in apigw.get_api(ApiId=api_id)


def test_get_apis_pages_and_delete_api(apigw: Any) -> None:
    made = {apigw.create_api(Name=f"page-{i}", ProtocolType="HTTP")["ApiId"] for i in range(3)}
    first = apigw.get_apis(MaxResults="2")
    assert len(first["Items"]) == 2 and "NextToken" in first
    seen = {api["ApiId"] for api in first["Items"]}
    token: str | None = first["NextToken"]
    while token:
        page = apigw.get_apis(MaxResults="2", NextToken=token)
        seen |= {api["ApiId"] for api in page["Items"]}
        token = page.get("NextToken")
    assert made <= seen
    for api_id in made:
        apigw.delete_api(ApiId=api_id)
    assert not made & {api["ApiId"] for api in apigw.get_apis()["Items"]}


def test_websocket_apis_are_not_served(apigw: Any) -> None:
    code, _, status = error_of(
        apigw.create_api,
        Name="ws",
        ProtocolType="WEBSOCKET",
        RouteSelectionExpression="$request.body.action",
    )
    assert (code, status) == ("NotImplemented", 501)


def test_tags_of_api_and_stage(apigw: Any, api_id: str) -> None:
    arn = f"arn:aws:apigateway:us-east-1::/apis/{api_id}"
    apigw.tag_resource(ResourceArn=arn, Tags={"a": "1", "b": "2"})
    apigw.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert apigw.get_tags(ResourceArn=arn)["Tags"] == {"b": "2"}
    apigw.create_stage(ApiId=api_id, StageName="prod", Tags={"s": "x"})
    assert apigw.get_tags(ResourceArn=f"{arn}/stages/prod")["Tags"] == {"s": "x"}
