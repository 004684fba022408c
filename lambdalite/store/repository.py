"""Versioned JSON records of one kind, scoped by account and region."""

from __future__ import annotations

import builtins
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from lambdalite.store.cache import Address
from lambdalite.store.driver import row_exists
from lambdalite.store.errors import ConflictError
from lambdalite.store.schema import resources
from lambdalite.store.store import Store

# Statements are built once, with bind parameters: building a Core statement and computing
# its cache key costs more than executing it, and the single writer thread is the
# throughput bottleneck.
_PK = and_(
    resources.c.account == bindparam("p_account"),
    resources.c.region == bindparam("p_region"),
    resources.c.kind == bindparam("p_kind"),
    resources.c.key == bindparam("p_key"),
)
_IN_SCOPE = and_(
    resources.c.account == bindparam("p_account"),
    resources.c.region == bindparam("p_region"),
    resources.c.kind == bindparam("p_kind"),
)
_SELECT_RECORDS = select(
    resources.c.key,
    resources.c.data,
    resources.c.version,
    resources.c.created_at,
    resources.c.updated_at,
)
_GET = _SELECT_RECORDS.where(_PK)
# FOR UPDATE locks the row until commit on PostgreSQL, so no other process can change it
# between this read and our write (SQLite ignores the clause: BEGIN IMMEDIATE already
# serializes writers).
_LOCK_VERSION = select(resources.c.version, resources.c.created_at).where(_PK).with_for_update()
_INSERT_VALUES = {
    "account": bindparam("p_account"),
    "region": bindparam("p_region"),
    "kind": bindparam("p_kind"),
    "key": bindparam("p_key"),
    "data": bindparam("p_data"),
    "version": 1,
    "created_at": bindparam("p_now"),
    "updated_at": bindparam("p_now"),
}
# ON CONFLICT DO NOTHING, per dialect: when another process inserts the key between our
# SELECT and our INSERT (PostgreSQL only), a unique violation would abort the transaction;
# this way the job just sees no row inserted and goes round again.
_INSERT = {
    name: dialect.insert(resources)
    .values(_INSERT_VALUES)
    .on_conflict_do_nothing()
    # SQLAlchemy collects rowcount for UPDATE and DELETE only, unless asked.
    .execution_options(preserve_rowcount=True)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_UPDATE = (
    update(resources)
    .where(_PK)
    .values(
        data=bindparam("p_data"), version=resources.c.version + 1, updated_at=bindparam("p_now")
    )
)
_DELETE = delete(resources).where(_PK)


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a resource lives: an AWS account id and a region."""

    account: str
    region: str


@dataclass(frozen=True, slots=True)
class Record:
    """One stored resource; `version` starts at 1 and grows by one on every write."""

    key: str
    data: dict[str, Any]
    version: int
    created_at: float
    updated_at: float


class Repository:
    """All records of one `kind` (e.g. "lambda.function"), one store call per method."""

    def __init__(self, store: Store, kind: str, *, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._kind = kind
        self._clock = clock

    @property
    def kind(self) -> str:
        return self._kind

    async def get(self, scope: Scope, key: str) -> Record | None:
        """The record at `key`, or None."""
        return await self._store.read(lambda conn: self.get_in(conn, scope, key))

    async def get_cached(self, scope: Scope, key: str) -> Record | None:
        """`get` through the store's cache, for hot read paths (see store/cache.py): never
        older than what this process committed. The record is shared: do not change it."""
        return await self._store.cache.get(self._address(scope, key), lambda: self.get(scope, key))

    async def put(
        self,
        scope: Scope,
        key: str,
        data: dict[str, Any],
        *,
        expect_version: int | None = None,
        create_only: bool = False,
    ) -> Record:
        """Create or replace the record at `key` and return it as stored.

        With `expect_version`, the record must exist at exactly that version; with
        `create_only`, it must not exist. Otherwise ConflictError, and nothing is written.
        """
        # Encoded here, not in the writer: a bad value fails its own caller only, and a dict
        # the caller mutates after this call cannot change what gets stored.
        text = _encode(data)
        return await self._store.write(
            lambda conn: self._put_text(
                conn, scope, key, text, expect_version=expect_version, create_only=create_only
            )
        )

    async def delete(self, scope: Scope, key: str, *, expect_version: int | None = None) -> bool:
        """Remove the record at `key`; False if there was none.

        With `expect_version`, an existing record at another version raises ConflictError.
        """
        return await self._store.write(
            lambda conn: self.delete_in(conn, scope, key, expect_version=expect_version)
        )

    async def count(self, scope: Scope, prefix: str = "") -> int:
        """How many records have a key starting with `prefix`."""

        def job(conn: Connection) -> int:
            query = select(func.count()).select_from(resources)
            query = query.where(_IN_SCOPE, *_prefix_filter(prefix))
            return int(conn.execute(query, self._scope(scope)).scalar_one())

        return await self._store.read(job)

    async def list(
        self,
        scope: Scope,
        *,
        prefix: str = "",
        after: str | None = None,
        limit: int | None = None,
    ) -> builtins.list[Record]:
        """Records whose key starts with `prefix`, in key order, strictly after `after`.

        Feed the last key of a page back as `after` to get the next page.
        """
        return await self._store.read(
            lambda conn: self.list_in(conn, scope, prefix=prefix, after=after, limit=limit)
        )

    async def scan(self) -> builtins.list[tuple[Scope, Record]]:
        """Every record of this kind in every account and region (for start-up recovery)."""

        def job(conn: Connection) -> builtins.list[tuple[Scope, Record]]:
            query = select(
                resources.c.account, resources.c.region, *_SELECT_RECORDS.selected_columns
            )
            query = query.where(resources.c.kind == bindparam("p_kind")).order_by(resources.c.key)
            rows = conn.execute(query, {"p_kind": self._kind})
            return [(Scope(row[0], row[1]), _record(row[2:])) for row in rows]

        return await self._store.read(job)

    # The same operations on a connection the caller holds: several of them, on records of
    # several kinds, then commit or fail together inside one `Store.write` job.

    def exists_in(self, conn: Connection, scope: Scope, key: str) -> bool:
        """Whether a record is at `key`, without reading it."""
        where = {"account": scope.account, "region": scope.region, "kind": self._kind, "key": key}
        return row_exists(conn, resources.name, where)

    def get_in(self, conn: Connection, scope: Scope, key: str) -> Record | None:
        row = conn.execute(_GET, self._pk(scope, key)).first()
        return None if row is None else _record(row)

    def put_in(
        self,
        conn: Connection,
        scope: Scope,
        key: str,
        data: dict[str, Any],
        *,
        expect_version: int | None = None,
        create_only: bool = False,
    ) -> Record:
        return self._put_text(
            conn, scope, key, _encode(data), expect_version=expect_version, create_only=create_only
        )

    def delete_in(
        self, conn: Connection, scope: Scope, key: str, *, expect_version: int | None = None
    ) -> bool:
        params = self._pk(scope, key)
        self._store.wrote(self._address(scope, key))
        if expect_version is not None:
            current = conn.execute(_LOCK_VERSION, params).first()
            if current is not None and current.version != expect_version:
                raise ConflictError(
                    self._kind, key, expected=expect_version, actual=current.version
                )
        return conn.execute(_DELETE, params).rowcount > 0

    def list_in(
        self,
        conn: Connection,
        scope: Scope,
        *,
        prefix: str = "",
        after: str | None = None,
        limit: int | None = None,
    ) -> builtins.list[Record]:
        query = _SELECT_RECORDS.where(_IN_SCOPE, *_prefix_filter(prefix))
        if after is not None:
            query = query.where(resources.c.key > after)
        query = query.order_by(resources.c.key).limit(limit)
        return [_record(row) for row in conn.execute(query, self._scope(scope))]

    def _put_text(
        self,
        conn: Connection,
        scope: Scope,
        key: str,
        text: str,
        *,
        expect_version: int | None,
        create_only: bool,
    ) -> Record:
        now = self._clock()
        params = self._pk(scope, key)
        insert = _INSERT[conn.dialect.name]
        self._store.wrote(self._address(scope, key))
        while True:
            current = conn.execute(_LOCK_VERSION, params).first()
            if current is not None:
                break
            if expect_version is not None:
                raise ConflictError(self._kind, key, expected=expect_version, actual=None)
            if conn.execute(insert, {**params, "p_data": text, "p_now": now}).rowcount:
                return Record(key, _decode(text), 1, now, now)
            # Another process created the key meanwhile: now there is a row to lock.
        version, created_at = current
        if create_only or (expect_version is not None and expect_version != version):
            raise ConflictError(self._kind, key, expected=expect_version, actual=version)
        conn.execute(_UPDATE, {**params, "p_data": text, "p_now": now})
        return Record(key, _decode(text), version + 1, created_at, now)

    def _address(self, scope: Scope, key: str) -> Address:
        return (self._kind, scope.account, scope.region, key)

    def _scope(self, scope: Scope) -> dict[str, Any]:
        return {"p_account": scope.account, "p_region": scope.region, "p_kind": self._kind}

    def _pk(self, scope: Scope, key: str) -> dict[str, Any]:
        return {**self._scope(scope), "p_key": key}


def _prefix_filter(prefix: str) -> builtins.list[ColumnElement[bool]]:
    """Conditions selecting the keys that start with `prefix`.

    A key range instead of LIKE: it uses the primary key index and stays case-sensitive on
    SQLite (whose LIKE folds ASCII case).
    """
    if not prefix:
        return []
    clauses = [resources.c.key >= prefix]
    upper = _prefix_upper_bound(prefix)
    if upper is not None:
        clauses.append(resources.c.key < upper)
    return clauses


def _record(row: Sequence[Any]) -> Record:
    key, data, version, created_at, updated_at = row
    return Record(key, _decode(data), version, created_at, updated_at)


def _encode(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _decode(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    return data


def _prefix_upper_bound(prefix: str) -> str | None:
    """The smallest string greater than every string starting with `prefix`, in code-point
    order (how both backends compare keys); None when no such string exists."""
    chars = list(prefix)
    while chars:
        code = ord(chars.pop()) + 1
        if 0xD800 <= code <= 0xDFFF:
            # Surrogates cannot be stored as UTF-8; the next storable code point will do.
            code = 0xE000
        if code <= 0x10FFFF:
            return "".join(chars) + chr(code)
    return None
