"""botocore service models, and finding the operation a request is for.

A request names its service by the SigV4 credential scope (signing name), an ``X-Amz-Target``
header (json protocol), an ``Action`` parameter (query protocol) or its method and path (rest
protocols). Everything here is derived from the models; nothing is written per service except
the legacy query wire names the current models no longer carry (see
:mod:`lambdalite.aws.legacy_query`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import unquote

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel, StructureShape

from lambdalite.aws.errors import MissingAction, RouteNotFound, ServiceError, UnknownOperation
from lambdalite.aws.http import HttpRequest
from lambdalite.aws.legacy_query import LEGACY_QUERY, legacy_query_model

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class Resolved:
    """The operation a request is for, and the protocol it is spoken in."""

    service: ServiceSpec
    operation: OperationModel
    protocol: str
    uri_params: dict[str, str] = field(default_factory=dict)


class Unresolved(Exception):
    """No operation matches a request; ``error`` is the answer, in the service's protocol when
    the candidates narrow it down to one service."""

    def __init__(
        self, error: ServiceError, candidates: list[ServiceSpec], protocol: str | None = None
    ) -> None:
        super().__init__(error.message)
        self.error = error
        self.spec = candidates[0] if len(candidates) == 1 else None
        self.protocol = protocol or (self.spec.protocol if self.spec else "rest-json")


class ServiceSpec:
    """One AWS service as lambdalite serves it: model, protocols and operation lookups.

    ``query_model`` is the view of ``model`` that a service which left the query protocol still
    answers legacy query clients with: the same operations and members, under the query wire
    names (see :mod:`lambdalite.aws.legacy_query`).
    """

    def __init__(self, model: ServiceModel, query_model: ServiceModel | None = None) -> None:
        self.model = model
        self.name: str = model.service_name
        self.protocol: str = model.metadata["protocol"]
        self.signing_name: str = model.signing_name
        self.target_prefix: str | None = model.metadata.get("targetPrefix")
        legacy = query_model is not None and self.protocol != "query"
        self.query_model = query_model if legacy else None
        self.protocols = (self.protocol, "query") if legacy else (self.protocol,)
        self.xml_namespace: str | None = self.model_for("query").metadata.get("xmlNamespace")
        self.query_compatible = "awsQueryCompatible" in model.metadata

    @cached_property
    def router(self) -> RestRouter:
        return RestRouter(self.model)

    @cached_property
    def error_shapes(self) -> dict[str, StructureShape]:
        """Error shapes by name and by wire code (``AWS.SimpleQueueService.X``, ``NotFound``)."""
        shapes: dict[str, StructureShape] = {}
        for shape in self.model.error_shapes:
            shapes[shape.name] = shape
            code = shape.metadata.get("error", {}).get("code")
            if code:
                shapes.setdefault(code, shape)
        return shapes

    def model_for(self, protocol: str) -> ServiceModel:
        """The model whose wire names a request or response in ``protocol`` uses."""
        if protocol == "query" and self.query_model is not None:
            return self.query_model
        return self.model

    def operation(self, name: str, protocol: str | None = None) -> OperationModel | None:
        """Operation ``name`` as spoken in ``protocol`` (the service's own by default)."""
        if name not in self._operation_names:
            return None
        return self.model_for(protocol or self.protocol).operation_model(name)

    @cached_property
    def _operation_names(self) -> frozenset[str]:
        return frozenset(self.model.operation_names)

    def __repr__(self) -> str:
        return f"ServiceSpec({self.name!r})"


class ServiceCatalog:
    """The service models lambdalite serves, loaded once at start."""

    def __init__(self, names: Iterable[str], loader: Loader | None = None) -> None:
        loader = loader or Loader()
        self._specs: dict[str, ServiceSpec] = {}
        for name in names:
            raw = loader.load_service_model(name, "service-2")
            self._specs[name] = _service_spec(name, raw)
        self._by_signing: dict[str, list[ServiceSpec]] = {}
        for spec in self._specs.values():
            self._by_signing.setdefault(spec.signing_name, []).append(spec)
        self._by_target = {s.target_prefix: s for s in self._specs.values() if s.target_prefix}

    def __iter__(self) -> Iterator[ServiceSpec]:
        return iter(self._specs.values())

    def __getitem__(self, name: str) -> ServiceSpec:
        return self._specs[name]

    def resolve(self, request: HttpRequest, signing_name: str | None) -> Resolved:
        """Find service, operation and protocol of ``request``.

        ``signing_name`` comes from the SigV4 credential scope when the request is signed.
        Raises :class:`Unresolved` when no operation matches.
        """
        candidates = self._candidates(signing_name)
        target = request.headers.get("x-amz-target")
        if target:
            return self._resolve_target(target, candidates)
        action = _query_action(request)
        if action is not None:
            return self._resolve_action(action, candidates)
        return self._resolve_rest(request, candidates)

    def _candidates(self, signing_name: str | None) -> list[ServiceSpec]:
        if signing_name is None:
            return list(self._specs.values())
        specs = self._by_signing.get(signing_name)
        if not specs:
            error = RouteNotFound(f"lambdalite does not serve the AWS service '{signing_name}'.")
            raise Unresolved(error, [])
        return specs

    def _resolve_target(self, target: str, candidates: list[ServiceSpec]) -> Resolved:
        prefix, _, name = target.rpartition(".")
        spec = self._by_target.get(prefix)
        if spec is None or spec not in candidates:
            raise Unresolved(UnknownOperation(f"Unknown target: {target}"), candidates)
        operation = spec.operation(name)
        if operation is None:
            raise Unresolved(UnknownOperation(f"Unknown operation {target}"), [spec])
        return Resolved(spec, operation, "json")

    def _resolve_action(self, action: str, candidates: list[ServiceSpec]) -> Resolved:
        speaking_query = [s for s in candidates if "query" in s.protocols]
        for spec in speaking_query:
            operation = spec.operation(action, "query")
            if operation is not None:
                return Resolved(spec, operation, "query")
        message = f"The action {action} is not valid for this web service."
        raise Unresolved(UnknownOperation(message), speaking_query or candidates, "query")

    def _resolve_rest(self, request: HttpRequest, candidates: list[ServiceSpec]) -> Resolved:
        rest = [s for s in candidates if s.protocol.startswith("rest")]
        if not rest:  # an RPC service, but no X-Amz-Target nor Action was given
            if all("query" in s.protocols for s in candidates):
                raise Unresolved(MissingAction(), candidates, "query")
            raise Unresolved(UnknownOperation("No X-Amz-Target was given."), candidates)
        for spec in rest:
            match = spec.router.match(request)
            if match is not None:
                operation, uri_params = match
                return Resolved(spec, operation, spec.protocol, uri_params)
        raise Unresolved(
            RouteNotFound(f"No operation matches {request.method} {request.path}"), candidates
        )


def _service_spec(name: str, raw: dict[str, Any]) -> ServiceSpec:
    """Service ``name`` from its loaded model, with its legacy query view if it left query."""
    model = ServiceModel(raw, service_name=name)
    legacy = LEGACY_QUERY.get(name)
    if legacy is None:
        return ServiceSpec(model)
    return ServiceSpec(model, ServiceModel(legacy_query_model(raw, legacy), service_name=name))


def _query_action(request: HttpRequest) -> str | None:
    """The ``Action`` of a query-protocol request (form body or, for GET, the query string)."""
    if request.content_type == FORM_CONTENT_TYPE:
        return request.form.get("Action")
    if request.method == "GET" and "Action=" in request.query:
        return request.query_value("Action")
    return None


# --- rest routing ------------------------------------------------------------------------------

_LABEL = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True, slots=True)
class _Route:
    operation: OperationModel
    pattern: re.Pattern[str]
    labels: tuple[str, ...]
    query_constraints: tuple[tuple[str, str | None], ...]
    specificity: tuple[int, int, int]

    def match(self, request: HttpRequest) -> dict[str, str] | None:
        found = self.pattern.fullmatch(request.path)
        if found is None or not self._query_matches(request):
            return None
        return {
            label: unquote(value) for label, value in zip(self.labels, found.groups(), strict=True)
        }

    def _query_matches(self, request: HttpRequest) -> bool:
        for name, value in self.query_constraints:
            actual = request.query_value(name)
            if actual is None or (value is not None and actual != value):
                return False
        return True


#: Requests repeat (a client invoking one function, polling one queue): the route found for a
#: method, path and query is remembered, sparing the walk over every template of the service.
_REMEMBERED_ROUTES = 1024


class RestRouter:
    """Method + path templates of a rest-json/rest-xml service, most specific first."""

    def __init__(self, model: ServiceModel) -> None:
        self._routes: dict[str, list[_Route]] = {}
        for name in model.operation_names:
            route = _compile(model.operation_model(name))
            self._routes.setdefault(route.operation.http["method"], []).append(route)
        for routes in self._routes.values():
            routes.sort(key=lambda r: r.specificity, reverse=True)
        self._remembered: dict[tuple[str, str, str], _Route] = {}

    def match(self, request: HttpRequest) -> tuple[OperationModel, dict[str, str]] | None:
        key = (request.method, request.path, request.query)
        remembered = self._remembered.get(key)
        if remembered is not None:  # matched this very method, path and query before
            return remembered.operation, remembered.match(request) or {}
        found = self._search(request)
        if found is None:
            return None
        if len(self._remembered) >= _REMEMBERED_ROUTES:
            self._remembered.clear()
        self._remembered[key] = found[0]
        return found[0].operation, found[1]

    def _search(self, request: HttpRequest) -> tuple[_Route, dict[str, str]] | None:
        for route in self._routes.get(request.method, ()):
            params = route.match(request)
            if params is not None:
                return route, params
        return None


def _compile(operation: OperationModel) -> _Route:
    template, _, constant_query = operation.http["requestUri"].partition("?")
    labels: list[str] = []
    pattern = ""
    position = 0
    for found in _LABEL.finditer(template):
        pattern += re.escape(template[position : found.start()])
        label = found.group(1)
        greedy = label.endswith("+")
        labels.append(label.rstrip("+"))
        pattern += "(.+)" if greedy else "([^/]+)"
        position = found.end()
    literal = template[position:]
    pattern += re.escape(literal)
    constraints = tuple(
        (name, value or None)
        for name, _, value in (p.partition("=") for p in constant_query.split("&") if p)
    )
    literal_length = len(_LABEL.sub("", template))
    specificity = (len(constraints), literal_length, -len(labels))
    return _Route(operation, re.compile(pattern), tuple(labels), constraints, specificity)
