"""Concurrency accounting: provisioned units first, then the reservation, then the shared pool."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from lambdalite.runtime.concurrency import Concurrency, Throttled

A = ("000000000000", "us-east-1", "a")
B = ("000000000000", "us-east-1", "b")
OTHER_ACCOUNT = ("111111111111", "us-east-1", "c")


def throttled(concurrency: Concurrency, function: tuple[str, str, str], version: str) -> str:
    with pytest.raises(Throttled) as refused, concurrency.slot(function, version):
        pass
    return refused.value.reason


def test_unreserved_functions_share_the_account_limit() -> None:
    concurrency = Concurrency(account_limit=2)
    with ExitStack() as held:
        held.enter_context(concurrency.slot(A, "$LATEST"))
        held.enter_context(concurrency.slot(B, "$LATEST"))
        assert throttled(concurrency, A, "$LATEST") == "ConcurrentInvocationLimitExceeded"
        with concurrency.slot(OTHER_ACCOUNT, "$LATEST"):  # another account's own limit
            pass
    with concurrency.slot(A, "$LATEST"):  # released again
        pass


def test_a_reservation_caps_its_function_and_leaves_the_rest_to_others() -> None:
    concurrency = Concurrency(account_limit=3)
    concurrency.reserve(A, 1)
    with concurrency.slot(A, "$LATEST"):
        assert (
            throttled(concurrency, A, "$LATEST")
            == "ReservedFunctionConcurrentInvocationLimitExceeded"
        )
        with concurrency.slot(B, "$LATEST"), concurrency.slot(B, "$LATEST"):
            assert throttled(concurrency, B, "$LATEST") == "ConcurrentInvocationLimitExceeded"


def test_provisioned_units_first_then_on_demand() -> None:
    concurrency = Concurrency(account_limit=10)
    concurrency.reserve(A, 2)
    concurrency.provision(A, "1", 1)
    # The provisioned unit, then a spill over to the on-demand share (2 - 1).
    with concurrency.slot(A, "1"), concurrency.slot(A, "1"):
        assert concurrency.in_flight(A) == 2
        assert throttled(concurrency, A, "1") == "ReservedFunctionConcurrentInvocationLimitExceeded"
        assert (
            throttled(concurrency, A, "$LATEST")
            == "ReservedFunctionConcurrentInvocationLimitExceeded"
        )


def test_reserved_equal_to_provisioned_leaves_nothing_on_demand() -> None:
    """aws-recorded 25: $LATEST is throttled while the provisioned version runs."""
    concurrency = Concurrency(account_limit=10)
    concurrency.reserve(A, 1)
    concurrency.provision(A, "1", 1)
    assert (
        throttled(concurrency, A, "$LATEST") == "ReservedFunctionConcurrentInvocationLimitExceeded"
    )
    with concurrency.slot(A, "1"):
        pass


def test_provisioned_units_of_unreserved_functions_shrink_the_shared_pool() -> None:
    concurrency = Concurrency(account_limit=3)
    concurrency.provision(A, "1", 2)
    with concurrency.slot(B, "$LATEST"):
        assert throttled(concurrency, B, "$LATEST") == "ConcurrentInvocationLimitExceeded"
    concurrency.provision(A, "1", 0)
    with concurrency.slot(B, "$LATEST"), concurrency.slot(B, "$LATEST"):
        pass


def test_forgetting_a_deleted_function_frees_what_it_held() -> None:
    concurrency = Concurrency(account_limit=3)
    concurrency.reserve(A, 1)
    concurrency.provision(A, "1", 1)
    concurrency.forget(A)
    with (
        concurrency.slot(B, "$LATEST"),
        concurrency.slot(B, "$LATEST"),
        concurrency.slot(B, "$LATEST"),
    ):
        pass
