"""Recorded AWS scenario about reserved concurrency (aws-recorded 26)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import active_function
from .snapshot import Snapshot, recorded


def test_26_function_concurrency_api(lam: Any, snapshot: Snapshot) -> None:
    case = "26_function_concurrency_api"
    name = "concurrency-fn"
    active_function(lam, name)

    put_0 = lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    snapshot.match(recorded(case, "put_function_concurrency_with_reserved_0"), put_0)
    put_1 = lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    snapshot.match(recorded(case, "put_function_concurrency_with_reserved_1"), put_1)
    snapshot.match(
        recorded(case, "get_function_concurrency"), lam.get_function_concurrency(FunctionName=name)
    )
    snapshot.match(
        recorded(case, "delete_response"), lam.delete_function_concurrency(FunctionName=name)
    )
    snapshot.match(
        recorded(case, "get_function_concurrency_after_delete"),
        lam.get_function_concurrency(FunctionName=name),
    )

    # The upper bound the scenario also checks: all but 100 of the unreserved concurrency.
    unreserved = lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"]
    with pytest.raises(ClientError) as refused:
        lam.put_function_concurrency(
            FunctionName=name, ReservedConcurrentExecutions=unreserved - 99
        )
    assert refused.value.response["Error"] == {
        "Code": "InvalidParameterValueException",
        "Message": "Specified ReservedConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [100].",
    }
    most = lam.put_function_concurrency(
        FunctionName=name, ReservedConcurrentExecutions=unreserved - 100
    )
    assert most["ReservedConcurrentExecutions"] == unreserved - 100
    lam.delete_function_concurrency(FunctionName=name)
