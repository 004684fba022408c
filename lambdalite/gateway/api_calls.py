"""One request to an HTTP API, resolved: the values every step of serving it shares, and the
events (payload 1.0 or 2.0) it becomes."""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from lambdalite.aws.http import HttpRequest
from lambdalite.gateway import events_v1, events_v2
from lambdalite.gateway.events_v2 import InboundRequest, RequestContextV2
from lambdalite.services.apigatewayv2.lookup import Deployed

_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")


def new_request_id() -> str:
    """An API Gateway request id as AWS writes them (``Mc7UVioPPHcEKPA=``: 11 bytes, base64)."""
    return base64.b64encode(secrets.token_bytes(11)).decode("ascii")


@dataclass(slots=True)
class ApiCall:
    """A request matched to its stage and route."""

    deployed: Deployed
    stage_name: str
    route: dict[str, Any]
    path_parameters: dict[str, str]
    request: HttpRequest
    inbound: InboundRequest
    route_path: str  # the path after the stage, as routes see it
    request_id: str
    domain_name: str
    # What the route's authorizer established: the 2.0 form and the 1.0 form (and the 1.0
    # event's identity members for an AWS_IAM caller).
    authorizer_v2: dict[str, Any] | None = None
    authorizer_v1: dict[str, Any] | None = None
    identity_v1: dict[str, Any] | None = field(default=None)

    @property
    def api_id(self) -> str:
        return str(self.deployed.api["ApiId"])

    @property
    def stage_variables(self) -> dict[str, str]:
        return dict(self.deployed.stage.get("StageVariables") or {})

    @property
    def route_key(self) -> str:
        return str(self.route["RouteKey"])

    def route_arn(self) -> str:
        """``arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD><path>``."""
        scope = self.deployed.scope
        return (
            f"arn:aws:execute-api:{scope.region}:{scope.account}:{self.api_id}/"
            f"{self.stage_name}/{self.request.method}{self.route_path}"
        )

    def context(self, authorizer: dict[str, Any] | None) -> RequestContextV2:
        return RequestContextV2(
            account_id=self.deployed.scope.account,
            api_id=self.api_id,
            domain_name=self.domain_name,
            domain_prefix=self.api_id,
            request_id=self.request_id,
            authorizer=authorizer,
            route_key=self.route_key,
            stage=self.stage_name,
            path_parameters=self.path_parameters,
            stage_variables=self.stage_variables,
        )

    def event(self, version: str) -> dict[str, Any]:
        """The integration's event in payload format ``version``."""
        if version == "1.0":
            return self.event_v1(self.authorizer_v1)
        return events_v2.build_event(self.inbound, self.context(self.authorizer_v2))

    def event_v1(self, authorizer: dict[str, Any] | None) -> dict[str, Any]:
        extras = events_v1.V1Extras(self.resource, self.identity_v1)
        return events_v1.build_event(self.inbound, self.context(authorizer), extras)

    @property
    def resource(self) -> str:
        """The route's path (``/pets/{id}``), or the key itself for ``$default``."""
        return self.route_key.partition(" ")[2] or self.route_key

    def with_stage_variables(self, text: str) -> str:
        """``${stageVariables.name}`` in an integration's URI, replaced."""
        variables = self.stage_variables
        return _STAGE_VARIABLE.sub(lambda m: variables.get(m.group(1), ""), text)
