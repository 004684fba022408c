"""Stages, deployments and AutoDeploy."""

from __future__ import annotations

from typing import Any

from tests.services.apigatewayv2.conftest import error_of, lambda_integration


def test_deployment_needs_a_route(apigw: Any, api_id: str) -> None:
    code, message, _ = error_of(apigw.create_deployment, ApiId=api_id)
    assert (code, message) == (
        "BadRequestException",
        "Unable to deploy API because no routes exist in this API",
    )


def test_manual_deployment_to_a_named_stage(apigw: Any, api_id: str) -> None:
    apigw.create_route(ApiId=api_id, RouteKey="GET /a")
    stage = apigw.create_stage(ApiId=api_id, StageName="prod", StageVariables={"v": "1"})
    assert "DeploymentId" not in stage and stage["StageVariables"] == {"v": "1"}
    assert stage["DefaultRouteSettings"] == {"DetailedMetricsEnabled": False}
    deployment = apigw.create_deployment(ApiId=api_id, StageName="prod", Description="first")
    assert deployment["AutoDeployed"] is False and deployment["Description"] == "first"
    assert (
        apigw.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"]
        == (deployment["DeploymentId"])
    )
    apigw.create_route(ApiId=api_id, RouteKey="GET /b")  # no AutoDeploy: no new deployment
    assert len(apigw.get_deployments(ApiId=api_id)["Items"]) == 1
    _, message, _ = error_of(
        apigw.delete_deployment, ApiId=api_id, DeploymentId=deployment["DeploymentId"]
    )
    assert message == "Active stages pointing to this deployment must be moved or deleted"


def test_auto_deploy_redeploys_on_every_change(apigw: Any, api_id: str) -> None:
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    assert "DeploymentId" not in apigw.get_stage(ApiId=api_id, StageName="$default")
    integration_id = lambda_integration(apigw, api_id)
    apigw.create_route(ApiId=api_id, RouteKey="$default", Target=f"integrations/{integration_id}")
    first = apigw.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"]
    apigw.create_route(ApiId=api_id, RouteKey="GET /x", Target=f"integrations/{integration_id}")
    second = apigw.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"]
    assert first != second
    deployment = apigw.get_deployment(ApiId=api_id, DeploymentId=second)
    assert deployment["AutoDeployed"] is True
    assert deployment["Description"] == (
        "Automatic deployment triggered by changes to the Api configuration"
    )


def test_duplicate_stage_and_route_settings(apigw: Any, api_id: str) -> None:
    apigw.create_route(ApiId=api_id, RouteKey="GET /t")
    throttled = {"ThrottlingBurstLimit": 5, "ThrottlingRateLimit": 2.0}
    stage = apigw.create_stage(ApiId=api_id, StageName="dev", RouteSettings={"GET /t": throttled})
    assert stage["RouteSettings"]["GET /t"] == throttled
    assert error_of(apigw.create_stage, ApiId=api_id, StageName="dev")[:2] == (
        "ConflictException",
        "Stage already exists",
    )
    _, message, _ = error_of(
        apigw.update_stage, ApiId=api_id, StageName="dev", RouteSettings={"GET /nope": throttled}
    )
    assert message == "Unable to find Route by key GET /nope within the provided RouteSettings"
    apigw.delete_route_settings(ApiId=api_id, StageName="dev", RouteKey="GET /t")
    assert apigw.get_stage(ApiId=api_id, StageName="dev")["RouteSettings"] == {}
    apigw.reset_authorizers_cache(ApiId=api_id, StageName="dev")
    apigw.delete_stage(ApiId=api_id, StageName="dev")
    assert error_of(apigw.get_stage, ApiId=api_id, StageName="dev")[0] == "NotFoundException"


def test_deleting_an_api_takes_its_deployments(apigw: Any, api_id: str) -> None:
    apigw.create_route(ApiId=api_id, RouteKey="GET /t")
    deployment_id = apigw.create_deployment(ApiId=api_id)["DeploymentId"]
    apigw.delete_api(ApiId=api_id)
    assert error_of(apigw.get_deployment, ApiId=api_id, DeploymentId=deployment_id)[0] == (
        "NotFoundException"
    )
