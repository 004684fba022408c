"""Route selection by AWS's precedence (lambdalite/services/apigatewayv2/routing.py)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambdalite.services.apigatewayv2.routing import match

# The example of AWS's "Routing API requests" section (http-api-develop-routes).
DOC_ROUTES = ["GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}"]


def routes(*keys: str) -> list[dict[str, Any]]:
    return [{"RouteKey": key} for key in keys]


def chosen(keys: list[str], method: str, path: str) -> tuple[str, dict[str, str]] | None:
    found = match(routes(*keys), method, path)
    return None if found is None else (found[0]["RouteKey"], found[1])


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/pets/dog/1", ("GET /pets/dog/1", {})),
        ("GET", "/pets/dog/2", ("GET /pets/dog/{id}", {"id": "2"})),
        ("GET", "/pets/cat/1", ("GET /pets/{proxy+}", {"proxy": "cat/1"})),
        ("POST", "/test/5", ("ANY /{proxy+}", {"proxy": "test/5"})),
    ],
)
def test_the_documented_example(method: str, path: str, expected: Any) -> None:
    assert chosen([*DOC_ROUTES, "$default"], method, path) == expected


def test_default_route_catches_the_rest_and_nothing_else_is_none() -> None:
    assert chosen(["GET /a", "$default"], "GET", "/b") == ("$default", {})
    assert chosen(["GET /a"], "GET", "/b") is None
    assert chosen(["GET /a"], "POST", "/a") is None


def test_explicit_method_beats_any_on_the_same_path() -> None:
    assert chosen(["ANY /a", "GET /a"], "GET", "/a") == ("GET /a", {})
    assert chosen(["ANY /a", "GET /a"], "DELETE", "/a") == ("ANY /a", {})


def test_full_match_with_variables_beats_greedy() -> None:
    keys = ["GET /{a}/{b}/{c}", "GET /pets/dog/{proxy+}"]
    assert chosen(keys, "GET", "/pets/dog/x") == (
        "GET /{a}/{b}/{c}",
        {"a": "pets", "b": "dog", "c": "x"},
    )


def test_literal_beats_variable_from_the_left() -> None:
    keys = ["GET /{kind}/dog", "GET /pets/{name}"]
    assert chosen(keys, "GET", "/pets/dog") == ("GET /pets/{name}", {"name": "dog"})


def test_greedy_needs_at_least_one_segment_and_root_is_its_own_route() -> None:
    assert chosen(["ANY /{proxy+}"], "GET", "/") is None
    assert chosen(["ANY /{proxy+}", "GET /"], "GET", "/") == ("GET /", {})
    assert chosen(["GET /pets/{proxy+}"], "GET", "/pets") is None


def test_parameters_are_url_decoded_and_query_is_ignored() -> None:
    assert chosen(["GET /f/{name}"], "GET", "/f/a%20b?x=1") == ("GET /f/{name}", {"name": "a b"})
    assert chosen(["GET /f/{name}"], "GET", "/f/a%2Fb") == ("GET /f/{name}", {"name": "a/b"})
    assert chosen(["GET /f/{name}"], "GET", "/f/") is None


def test_paths_are_case_sensitive_and_methods_are_not() -> None:
    assert chosen(["GET /Pets"], "GET", "/pets") is None
    assert chosen(["GET /pets"], "get", "/pets") == ("GET /pets", {})


segment = st.text(alphabet="abcxyz0189-_.", min_size=1, max_size=6)


@given(st.lists(segment, min_size=1, max_size=5), st.sampled_from(["GET", "POST", "PUT"]))
def test_exact_route_always_wins(parts: list[str], method: str) -> None:
    path = "/" + "/".join(parts)
    keys = [f"ANY {path}", "ANY /{proxy+}", "$default", f"{method} {path}"]
    keys += [f"{method} /{{v}}" + "/{w}" * (len(parts) - 1)]
    assert chosen(keys, method, path) == (f"{method} {path}", {})


@given(st.lists(segment, min_size=1, max_size=5))
def test_greedy_takes_the_whole_rest(parts: list[str]) -> None:
    path = "/" + "/".join(parts)
    assert chosen(["ANY /{proxy+}"], "PATCH", path) == ("ANY /{proxy+}", {"proxy": path[1:]})


@given(
    st.lists(segment, min_size=0, max_size=4),
    st.lists(st.sampled_from([*DOC_ROUTES, "$default"]), unique=True),
)
def test_result_is_independent_of_route_order(parts: list[str], keys: list[str]) -> None:
    path = "/" + "/".join(parts)
    assert chosen(keys, "GET", path) == chosen(list(reversed(keys)), "GET", path)
