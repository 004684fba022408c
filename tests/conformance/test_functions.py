"""Recorded AWS scenarios about functions and versions (aws-recorded 01, 02, 04, 06, 07, 08)."""

from __future__ import annotations

from typing import Any

from tests.support.aws_errors import error_of

from .conftest import ROLE, handler_zip
from .snapshot import Snapshot, recorded


def test_01_function_lifecycle(lam: Any, snapshot: Snapshot) -> None:
    case = "01_function_lifecycle"
    name = "lifecycle-fn"
    created = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": handler_zip()},
        MemorySize=256,
        Timeout=5,
        Environment={"Variables": {}},
    )
    snapshot.match(
        recorded(case, "create_response"),
        {"CreateEventSourceMappingResponse": None, "CreateFunctionResponse": created},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    snapshot.match(recorded(case, "get_function_response"), lam.get_function(FunctionName=name))

    updated = lam.update_function_configuration(
        FunctionName=name,
        Runtime="python3.11",
        Description="Changed-Description",
        MemorySize=512,
        Timeout=10,
        Environment={"Variables": {"ENV_A": "a"}},
    )
    snapshot.match(recorded(case, "update_func_conf_response"), updated)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    snapshot.match(
        recorded(case, "get_function_response_postupdate"), lam.get_function(FunctionName=name)
    )

    code = lam.update_function_code(FunctionName=name, ZipFile=handler_zip("2"))
    snapshot.match(recorded(case, "update_code_response"), code)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    snapshot.match(
        recorded(case, "get_function_response_postcodeupdate"), lam.get_function(FunctionName=name)
    )

    snapshot.match(recorded(case, "delete_response"), lam.delete_function(FunctionName=name))
    snapshot.match(
        recorded(case, "delete_postdelete"),
        error_of(lambda: lam.delete_function(FunctionName=name)),
    )


def test_02_resource_not_found_shapes(lam: Any) -> None:
    case = "02_resource_not_found_shapes"
    missing = Snapshot()
    missing.match(
        recorded(case, "not_found_exception", 0),
        error_of(lambda: lam.get_function(FunctionName="no-such-function")),
    )
    lam.create_function(
        FunctionName="exists-fn",
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": handler_zip()},
    )
    version = Snapshot()
    version.match(
        recorded(case, "version_not_found_exception", 1),
        error_of(lambda: lam.get_function(FunctionName="exists-fn", Qualifier="1221")),
    )


def test_04_list_functions(lam: Any, snapshot: Snapshot) -> None:
    case = "04_list_functions"
    for existing in lam.list_functions()["Functions"]:
        lam.delete_function(FunctionName=existing["FunctionName"])
    common = {
        "Runtime": "python3.12",
        "Role": ROLE,
        "Handler": "handler.handler",
        "Timeout": 30,
        "Environment": {"Variables": {}},
    }
    first = lam.create_function(
        FunctionName="list-fn-1", Code={"ZipFile": handler_zip("a")}, Publish=True, **common
    )
    snapshot.match(
        recorded(case, "create_response_1"),
        {"CreateEventSourceMappingResponse": None, "CreateFunctionResponse": first},
    )
    second = lam.create_function(
        FunctionName="list-fn-2", Code={"ZipFile": handler_zip("b")}, **common
    )
    snapshot.match(
        recorded(case, "create_response_2"),
        {"CreateEventSourceMappingResponse": None, "CreateFunctionResponse": second},
    )
    for name in ("list-fn-1", "list-fn-2"):
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
    snapshot.match(
        recorded(case, "list_functions_invalid_functionversion"),
        error_of(lambda: lam.list_functions(FunctionVersion="invalid")),
    )
    paginator = lam.get_paginator("list_functions")
    every = [
        f
        for page in paginator.paginate(FunctionVersion="ALL", PaginationConfig={"PageSize": 1})
        for f in page["Functions"]
    ]
    snapshot.match(recorded(case, "list_all"), {"Functions": every})
    default = [
        f
        for page in paginator.paginate(PaginationConfig={"PageSize": 1})
        for f in page["Functions"]
    ]
    snapshot.match(recorded(case, "list_default"), {"Functions": default})


def test_06_revision_id_precondition(lam: Any, snapshot: Snapshot) -> None:
    case = "06_revision_id_precondition"
    name = "revisions-fn"
    created = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="index.handler",
        Code={"ZipFile": handler_zip()},
        Environment={"Variables": {}},
        Timeout=30,
    )
    snapshot.match(
        recorded(case, "create_function_response_rev1"),
        {"CreateEventSourceMappingResponse": None, "CreateFunctionResponse": created},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    rev2 = lam.get_function(FunctionName=name)
    snapshot.match(recorded(case, "get_function_response_rev2"), rev2)
    snapshot.match(
        recorded(case, "update_function_revision_exception"),
        error_of(
            lambda: lam.update_function_code(
                FunctionName=name, ZipFile=handler_zip(), RevisionId="wrong"
            )
        ),
    )
    rev3 = lam.update_function_code(
        FunctionName=name, ZipFile=handler_zip(), RevisionId=rev2["Configuration"]["RevisionId"]
    )
    snapshot.match(recorded(case, "update_function_code_response_rev3"), rev3)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    rev4 = lam.get_function(FunctionName=name)
    snapshot.match(recorded(case, "get_function_response_rev4"), rev4)
    snapshot.match(
        recorded(case, "update_function_configuration_revision_exception"),
        error_of(
            lambda: lam.update_function_configuration(
                FunctionName=name, Runtime="python3.8", RevisionId="wrong"
            )
        ),
    )
    rev5 = lam.update_function_configuration(
        FunctionName=name, Runtime="python3.8", RevisionId=rev4["Configuration"]["RevisionId"]
    )
    snapshot.match(recorded(case, "update_function_configuration_response_rev5"), rev5)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    snapshot.match(
        recorded(case, "get_function_response_rev6"), lam.get_function(FunctionName=name)
    )


def test_07_function_state_pending_active(lam: Any, snapshot: Snapshot) -> None:
    case = "07_function_state_pending_active"
    created = lam.create_function(
        FunctionName="state-fn",
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": handler_zip()},
    )
    snapshot.match(recorded(case, "create-fn-response"), created)
    lam.get_waiter("function_active_v2").wait(FunctionName="state-fn")
    snapshot.match(recorded(case, "get-fn-response"), lam.get_function(FunctionName="state-fn"))


def test_08_version_lifecycle(lam: Any, snapshot: Snapshot) -> None:
    case = "08_version_lifecycle"
    name = "versions-fn"
    created = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="index.handler",
        Code={"ZipFile": handler_zip()},
        Description="No version :(",
    )
    snapshot.match(recorded(case, "create_response"), created)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    snapshot.match(recorded(case, "get_function_result"), lam.get_function(FunctionName=name))
    snapshot.match(
        recorded(case, "list_versions_result"), lam.list_versions_by_function(FunctionName=name)
    )

    snapshot.match(
        recorded(case, "first_update_response"),
        lam.update_function_configuration(FunctionName=name, Description="First version :)"),
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    snapshot.match(recorded(case, "first_update_get_function"), lam.get_function(FunctionName=name))
    snapshot.match(
        recorded(case, "first_publish_response"),
        lam.publish_version(FunctionName=name, Description="First version description :)"),
    )
    snapshot.match(
        recorded(case, "first_publish_get_function"),
        lam.get_function(FunctionName=name, Qualifier="1"),
    )
    snapshot.match(
        recorded(case, "first_publish_get_function_config"),
        lam.get_function_configuration(FunctionName=name, Qualifier="1"),
    )

    snapshot.match(
        recorded(case, "second_update_response"),
        lam.update_function_configuration(FunctionName=name, Description="Second version :))"),
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    snapshot.match(
        recorded(case, "first_publish_get_function_after_update"),
        lam.get_function(FunctionName=name, Qualifier="1"),
    )
    snapshot.match(
        recorded(case, "second_publish_response"), lam.publish_version(FunctionName=name)
    )
    snapshot.match(
        recorded(case, "third_publish_response"),
        lam.publish_version(FunctionName=name, Description="Third version description :)))"),
    )
    snapshot.match(
        recorded(case, "list_versions_result_after_third_publish"),
        lam.list_versions_by_function(FunctionName=name),
    )
    lam.delete_function(FunctionName=f"{name}:1")
    snapshot.match(
        recorded(case, "list_versions_result_after_deletion_of_first_version"),
        lam.list_versions_by_function(FunctionName=name),
    )
