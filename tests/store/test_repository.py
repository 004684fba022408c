"""Repository API over every backend (see conftest.store_url)."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text

from lambdalite.store import ConflictError, Record, Repository, Scope, Store, schema
from lambdalite.store.migrate import upgrade
from lambdalite.store.repository import _prefix_upper_bound

SCOPE = Scope("123456789012", "us-east-1")


class FakeClock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_put_creates_at_version_1_and_get_reads_it(repo: Repository) -> None:
    created = run(repo.put(SCOPE, "fn", {"Runtime": "python3.12", "Memory": 128}))
    assert created.version == 1
    assert created.data == {"Runtime": "python3.12", "Memory": 128}
    assert run(repo.get(SCOPE, "fn")) == created


def test_get_missing_is_none(repo: Repository) -> None:
    assert run(repo.get(SCOPE, "nope")) is None


def test_exists_in_sees_exactly_the_key_of_its_kind_and_scope(store: Store) -> None:
    repo, other_kind = Repository(store, "test.thing"), Repository(store, "test.other")
    run(repo.put(SCOPE, "fn", {"n": 1}))

    def exists(where: Repository, scope: Scope, key: str) -> bool:
        return store.read_sync(lambda conn: where.exists_in(conn, scope, key))

    assert exists(repo, SCOPE, "fn")
    assert not exists(repo, SCOPE, "fn2")
    assert not exists(repo, SCOPE, "f")
    assert not exists(other_kind, SCOPE, "fn")
    assert not exists(repo, Scope("123456789012", "eu-west-1"), "fn")
    assert not exists(repo, Scope("000000000000", "us-east-1"), "fn")
    run(repo.delete(SCOPE, "fn"))
    assert not exists(repo, SCOPE, "fn")


def test_each_write_increments_version_and_keeps_created_at(store: Store) -> None:
    clock = FakeClock(100.0)
    repo = Repository(store, "test.thing", clock=clock)
    run(repo.put(SCOPE, "fn", {"n": 1}))
    clock.now = 200.0
    run(repo.put(SCOPE, "fn", {"n": 2}))
    clock.now = 300.0
    third = run(repo.put(SCOPE, "fn", {"n": 3}))
    assert third == Record("fn", {"n": 3}, 3, 100.0, 300.0)
    assert run(repo.get(SCOPE, "fn")) == third


def test_expect_version_matching_updates(repo: Repository) -> None:
    first = run(repo.put(SCOPE, "fn", {"n": 1}))
    second = run(repo.put(SCOPE, "fn", {"n": 2}, expect_version=first.version))
    assert second.version == 2
    assert run(repo.get(SCOPE, "fn")) == second


def test_expect_version_mismatch_conflicts_and_changes_nothing(repo: Repository) -> None:
    run(repo.put(SCOPE, "fn", {"n": 1}))
    current = run(repo.put(SCOPE, "fn", {"n": 2}))
    with pytest.raises(ConflictError) as caught:
        run(repo.put(SCOPE, "fn", {"n": 3}, expect_version=1))
    assert (caught.value.expected, caught.value.actual) == (1, 2)
    assert caught.value.key == "fn"
    assert run(repo.get(SCOPE, "fn")) == current


def test_expect_version_on_missing_record_conflicts(repo: Repository) -> None:
    with pytest.raises(ConflictError) as caught:
        run(repo.put(SCOPE, "fn", {"n": 1}, expect_version=1))
    assert caught.value.actual is None
    assert run(repo.get(SCOPE, "fn")) is None


def test_create_only(repo: Repository) -> None:
    created = run(repo.put(SCOPE, "fn", {"n": 1}, create_only=True))
    assert created.version == 1
    with pytest.raises(ConflictError) as caught:
        run(repo.put(SCOPE, "fn", {"n": 2}, create_only=True))
    assert (caught.value.expected, caught.value.actual) == (None, 1)
    assert run(repo.get(SCOPE, "fn")) == created


def test_delete(repo: Repository) -> None:
    run(repo.put(SCOPE, "fn", {}))
    assert run(repo.delete(SCOPE, "fn")) is True
    assert run(repo.get(SCOPE, "fn")) is None
    assert run(repo.delete(SCOPE, "fn")) is False


def test_delete_with_expect_version(repo: Repository) -> None:
    run(repo.put(SCOPE, "fn", {}))
    current = run(repo.put(SCOPE, "fn", {"n": 2}))
    with pytest.raises(ConflictError):
        run(repo.delete(SCOPE, "fn", expect_version=1))
    assert run(repo.get(SCOPE, "fn")) == current
    assert run(repo.delete(SCOPE, "fn", expect_version=2)) is True
    assert run(repo.delete(SCOPE, "fn", expect_version=2)) is False


def test_delete_then_put_starts_again_at_version_1(repo: Repository) -> None:
    run(repo.put(SCOPE, "fn", {}))
    run(repo.put(SCOPE, "fn", {}))
    run(repo.delete(SCOPE, "fn"))
    assert run(repo.put(SCOPE, "fn", {})).version == 1


def test_list_is_in_code_point_order(repo: Repository) -> None:
    # Punctuation and case order differently under natural-language collations; the test
    # PostgreSQL server uses one (ICU en-US) on purpose.
    keys = ["b", "a-b", "ab", "aB", "A", "a_c", "é", "a", "a b", "Z", "~", "0"]
    for key in keys:
        run(repo.put(SCOPE, key, {"key": key}))
    listed = run(repo.list(SCOPE))
    assert [record.key for record in listed] == sorted(keys)
    assert [record.data["key"] for record in listed] == sorted(keys)


def test_list_prefix_is_case_sensitive_and_exact(repo: Repository) -> None:
    for key in ["fn/a", "fn/b", "fn0", "fn", "fnX", "FN/a", "fn/", "fo", "fn/\U0010ffff"]:
        run(repo.put(SCOPE, key, {}))
    assert [r.key for r in run(repo.list(SCOPE, prefix="fn/"))] == [
        "fn/",
        "fn/a",
        "fn/b",
        "fn/\U0010ffff",
    ]
    assert run(repo.count(SCOPE, prefix="fn/")) == 4
    assert run(repo.count(SCOPE, prefix="fn")) == 7
    assert run(repo.count(SCOPE, prefix="FN")) == 1
    assert run(repo.count(SCOPE)) == 9


def test_list_pagination_with_after_and_limit(repo: Repository) -> None:
    keys = [f"fn-{i:03d}" for i in range(25)]
    for key in reversed(keys):
        run(repo.put(SCOPE, key, {}))
    run(repo.put(SCOPE, "other", {}))
    pages: list[list[str]] = []
    after: str | None = None
    while True:
        page = run(repo.list(SCOPE, prefix="fn-", after=after, limit=10))
        if not page:
            break
        pages.append([record.key for record in page])
        after = page[-1].key
    assert [len(page) for page in pages] == [10, 10, 5]
    assert [key for page in pages for key in page] == keys


def test_list_after_a_key_outside_the_prefix(repo: Repository) -> None:
    for key in ["a", "b/1", "b/2", "c"]:
        run(repo.put(SCOPE, key, {}))
    assert [r.key for r in run(repo.list(SCOPE, prefix="b/", after="a"))] == ["b/1", "b/2"]
    assert run(repo.list(SCOPE, prefix="b/", after="b/2")) == []
    assert [r.key for r in run(repo.list(SCOPE, limit=2))] == ["a", "b/1"]


def test_scopes_and_kinds_are_isolated(store: Store) -> None:
    functions = Repository(store, "lambda.function")
    queues = Repository(store, "sqs.queue")
    scopes = [
        Scope("111111111111", "us-east-1"),
        Scope("222222222222", "us-east-1"),
        Scope("111111111111", "eu-west-1"),
    ]
    for index, scope in enumerate(scopes):
        run(functions.put(scope, "same", {"owner": index}))
    run(queues.put(scopes[0], "same", {"owner": "queue"}))

    for index, scope in enumerate(scopes):
        record = run(functions.get(scope, "same"))
        assert record is not None
        assert record.data == {"owner": index}
        assert record.version == 1
        assert run(functions.count(scope)) == 1
    assert run(queues.count(scopes[1])) == 0
    run(functions.delete(scopes[0], "same"))
    assert run(queues.get(scopes[0], "same")) is not None
    assert run(functions.get(scopes[1], "same")) is not None


def test_data_round_trips_as_json(repo: Repository) -> None:
    data: dict[str, Any] = {
        "unicode": "héllo ✓ 日本",
        "nested": {"list": [1, 2.5, None, True, {"deep": []}]},
        "empty": {},
        "big": 2**53 + 1,
    }
    stored = run(repo.put(SCOPE, "fn", data))
    assert stored.data == data
    assert run(repo.get(SCOPE, "fn")) == stored


def test_put_stores_a_snapshot_of_the_data(repo: Repository) -> None:
    data: dict[str, Any] = {"tags": ["a"]}
    stored = run(repo.put(SCOPE, "fn", data))
    data["tags"].append("b")
    assert stored.data == {"tags": ["a"]}
    record = run(repo.get(SCOPE, "fn"))
    assert record is not None
    assert record.data == {"tags": ["a"]}


def test_unencodable_data_fails_before_writing(repo: Repository) -> None:
    with pytest.raises(TypeError):
        run(repo.put(SCOPE, "fn", {"bad": object()}))
    with pytest.raises(ValueError):
        run(repo.put(SCOPE, "fn", {"bad": math.nan}))
    assert run(repo.get(SCOPE, "fn")) is None


def test_data_survives_close_and_reopen(store_url: str) -> None:
    first = Store.open(store_url)
    repo = Repository(first, "test.thing")
    written = [run(repo.put(SCOPE, f"fn-{i}", {"i": i})) for i in range(5)]
    run(repo.put(SCOPE, "fn-0", {"i": "updated"}))
    first.close()
    first.close()  # idempotent

    second = Store.open(store_url)
    try:
        repo = Repository(second, "test.thing")
        listed = run(repo.list(SCOPE))
        assert [r.key for r in listed] == [r.key for r in written]
        assert listed[0].data == {"i": "updated"}
        assert listed[0].version == 2
        assert listed[1:] == written[1:]
    finally:
        second.close()


def test_migrations_are_idempotent(store_url: str) -> None:
    for _ in range(3):
        store = Store.open(store_url)
        upgrade(store.engine)
        rows = store.read_sync(
            lambda conn: conn.execute(text("SELECT version_num FROM alembic_version")).all()
        )
        store.close()
        assert [row[0] for row in rows] == [_head()]


@pytest.mark.parametrize(
    ("prefix", "upper"),
    [
        ("a", "b"),
        ("fn/", "fn0"),
        ("a\U0010ffff", "b"),
        ("\U0010ffff", None),
        ("x\ud7ff", "x\ue000"),
    ],
)
def test_prefix_upper_bound(prefix: str, upper: str | None) -> None:
    assert _prefix_upper_bound(prefix) == upper


def test_migrations_match_the_live_schema(store: Store) -> None:
    def differences(conn: Connection) -> list[Any]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff: list[Any] = compare_metadata(context, schema.metadata)
        return diff

    assert store.read_sync(differences) == []


def _head() -> str:
    """The newest migration revision: what every store is upgraded to."""
    from alembic.script import ScriptDirectory

    from lambdalite.store.migrate import MIGRATIONS_DIR

    return str(ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head())
