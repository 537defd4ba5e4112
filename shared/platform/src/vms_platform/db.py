"""Each service's own database: engine, sessions, column types, and its Alembic migrations.

The same code runs on PostgreSQL (production, asyncpg) and SQLite (the embedded one-command run, aiosqlite
in WAL mode). SQLite write transactions start with `BEGIN IMMEDIATE`, so two writers queue on the lock instead
of one failing halfway through a read-then-write transaction; within a process they queue on an `asyncio.Lock`
first (`Database`), so the lock passes at once to the next in line instead of to whoever's busy handler polls first.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import DateTime, MetaData, Table, event, make_url, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import asyncpg as postgresql_asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import await_only

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite keeps none of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: timestamps must carry a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def async_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite:///` URLs and pick the async driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


SERVER_SETTINGS = {"plan_cache_mode": "force_custom_plan", "jit": "off"}
"""How every service's PostgreSQL session runs its statements. asyncpg prepares each statement once per connection,
and after its fifth run PostgreSQL may switch it to a generic plan that ignores the values: a search by a rare
keyword or a small region was planned as if for the commonest one and took seconds instead of milliseconds. A custom
plan for each run costs a planning step (tens of microseconds) and keeps each plan fitted to its values. JIT
compilation pays off only for long analytical queries; for the services' short ones it cost up to a second when a
row estimate was wrong."""


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    url = async_url(url)
    if not is_sqlite(url):
        engine = create_async_engine(url, connect_args={"server_settings": SERVER_SETTINGS}, **kwargs)
        event.listen(engine.sync_engine, "checkout", _alive)
        event.listen(engine.sync_engine, "checkin", _returned)
        return engine

    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see `_on_begin`).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


IDLE_BEFORE_PING = 10.0
"""Seconds a pooled PostgreSQL connection may lie unused before it is pinged at its next checkout."""

_IDLE_SINCE = "vms_idle_since"
"""Where a pooled connection's record keeps when it was last returned (`_returned`)."""


def _alive(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """A pooled PostgreSQL connection the server closed (a restart, a failover, an idle timeout) is not handed out:
    the pool opens a new one instead. asyncpg learns of a close as soon as its socket does, so that check costs
    nothing; a connection unused for `IDLE_BEFORE_PING` seconds is also pinged (one round trip), for a server that
    went away while the service was quiet. SQLAlchemy's own `pool_pre_ping` would cost three round trips on asyncpg
    (BEGIN, the ping, ROLLBACK) before every unit of work. A connection lost in the moment before its statement
    fails that statement, and SQLAlchemy then renews the pool."""
    connection = dbapi_connection._connection
    if connection.is_closed():
        raise DisconnectionError("the PostgreSQL server closed this connection")
    idle_since = record.info.get(_IDLE_SINCE)
    if idle_since is not None and time.monotonic() - idle_since >= IDLE_BEFORE_PING:
        try:
            await_only(connection.fetchrow(";"))
        except Exception as error:
            raise DisconnectionError(f"the PostgreSQL connection did not answer a ping: {error}") from error


def _returned(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info[_IDLE_SINCE] = time.monotonic()


class Database:
    """The engine and session factories of one service's database."""

    def __init__(self, url: str) -> None:
        self.url = async_url(url)
        self.engine = create_engine(self.url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # On PostgreSQL a read of one statement needs no transaction of its own (BEGIN and COMMIT are two more
        # round trips); SQLite's reads stay in the transactions that order them with its one writer.
        readers = self.engine if is_sqlite(self.url) else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.readers = async_sessionmaker(readers, expire_on_commit=False)
        # SQLite has one writer, and every transaction here is a writer (`BEGIN IMMEDIATE`). Left to SQLite, the
        # ones waiting poll for the lock (its busy handler sleeps up to 100 ms between tries), so under concurrent
        # requests the database stood idle most of the time; queued here, the next one starts the moment the last
        # one ends. Other processes on the same file still wait on SQLite's lock (`busy_timeout`).
        self._turn = asyncio.Lock() if is_sqlite(self.url) else None

    @asynccontextmanager
    async def _in_turn(self) -> AsyncIterator[None]:
        if self._turn is None:
            yield
            return
        async with self._turn:
            yield

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: everything inside commits together or not at all."""
        async with self._in_turn(), self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read of one statement (or of statements that need not see one snapshot): on PostgreSQL each runs on
        its own, outside any transaction. Nothing may be written through it but one statement (`one_statement`);
        a read that must see one consistent state across statements, or streams rows, takes `transaction()`."""
        async with self._in_turn(), self.readers() as session, session.begin():
            yield session

    def one_statement(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A write of one statement (one `executemany` included, which PostgreSQL runs as one implicit
        transaction): on PostgreSQL it commits by itself, without the round trips of BEGIN and COMMIT, as a
        `read` runs. Anything more than one statement takes `transaction()`."""
        return self.read()

    async def close(self) -> None:
        await self.engine.dispose()


def on_postgresql(session: AsyncSession) -> bool:
    """Whether the session's database is PostgreSQL (else SQLite): where many keys go as arrays, rows are copied
    in, and rows are locked."""
    return session.get_bind().dialect.name == "postgresql"


def insert_for(session: AsyncSession, table: Table) -> Any:
    """An INSERT that knows `ON CONFLICT` on the session's database (PostgreSQL or SQLite)."""
    dialect: Any = postgresql if on_postgresql(session) else sqlite
    return dialect.insert(table)


async def insert_many(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]], *, ignore_conflicts: bool = False
) -> None:
    """Insert `rows` (each with the same columns) in one statement of this transaction. On PostgreSQL the rows
    are copied in (`COPY … FROM STDIN`, binary): a thousand rows cost the database and this process a fraction of
    what an `INSERT` of them does. `ignore_conflicts`: a row whose key exists already is skipped; on PostgreSQL
    those go as one array a column (`INSERT … SELECT * FROM unnest(…) ON CONFLICT DO NOTHING`), which COPY cannot
    do. A few rows, and every row on SQLite, go as they are."""
    if not rows:
        return
    columns = tuple(rows[0])
    if not on_postgresql(session) or len(rows) < UNNEST_FROM:
        await session.execute(_plain_insert(table, session.get_bind().dialect.name, ignore_conflicts), list(rows))
        return
    convert = _conversions(table, columns)
    if ignore_conflicts:
        arrays = {name: [row[name] for row in rows] for name in columns}
        for name, process in convert:
            arrays[name] = [process(value) for value in arrays[name]]
        await session.execute(_unnest_insert(table, columns), arrays)
        return
    records = [tuple(row[name] for name in columns) for row in rows]
    if convert:
        at = {name: n for n, name in enumerate(columns)}
        processed = [(at[name], process) for name, process in convert]
        records = [_converted(record, processed) for record in records]
    await _copy(session, table, columns, records)


UNNEST_FROM = 8
"""Rows from which `insert_many` copies them in (or sends them as arrays) on PostgreSQL; fewer go as they are."""


def _converted(record: tuple[Any, ...], processed: list[tuple[int, Any]]) -> tuple[Any, ...]:
    values = list(record)
    for n, process in processed:
        values[n] = process(values[n])
    return tuple(values)


@cache
def _conversions(table: Table, columns: tuple[str, ...]) -> tuple[tuple[str, Any], ...]:
    """The columns whose type changes a value before it is sent (a `TypeDecorator`'s check, say), each with its
    conversion; the others go to the driver as they are."""
    dialect = _POSTGRESQL
    found = []
    for name in columns:
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            found.append((name, process))
    return tuple(found)


async def _copy(session: AsyncSession, table: Table, columns: tuple[str, ...], records: list[tuple[Any, ...]]) -> None:
    """COPY `records` into `table` on the session's connection, within its transaction (begun first if nothing ran
    in it yet, as SQLAlchemy begins one before its first statement); an error is raised as SQLAlchemy raises the
    error of a statement (`IntegrityError` for a duplicate key, …)."""
    connection = await session.connection()
    adapted: Any = (await connection.get_raw_connection()).dbapi_connection
    dbapi: Any = connection.dialect.dbapi
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT binary)"
    try:
        # The driver's connection under SQLAlchemy's asyncpg adapter: one statement at a time, as the adapter
        # runs its own, and in the transaction the adapter keeps.
        async with adapted._execute_mutex:
            if adapted._transaction is None:
                await adapted._start_transaction()
            await adapted.driver_connection.copy_records_to_table(
                table.name, records=records, columns=columns, schema_name=table.schema
            )
    except Exception as exc:
        try:
            adapted._handle_exception(exc)
        except dbapi.Error as translated:
            raise DBAPIError.instance(statement, None, translated, dbapi.Error) from exc
        raise


_POSTGRESQL: Dialect = postgresql_asyncpg.dialect()  # type: ignore[no-untyped-call]


@cache
def _plain_insert(table: Table, dialect: str, ignore_conflicts: bool) -> Any:
    """Built once (a statement made anew for each call costs as much of the CPU again as running it)."""
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    return statement.on_conflict_do_nothing() if ignore_conflicts else statement


@cache
def _unnest_insert(table: Table, columns: tuple[str, ...]) -> Any:
    """Its values untyped: SQLAlchemy would go through every element of every array to convert it, and the
    driver encodes each array by the type the statement casts it to (`_conversions` did what must be done)."""
    dialect: Dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    quote = dialect.identifier_preparer.quote
    arrays = ", ".join(f"CAST(:{name} AS {table.c[name].type.compile(dialect=dialect)}[])" for name in columns)
    into = f"{dialect.identifier_preparer.format_table(table)} ({', '.join(quote(name) for name in columns)})"
    return text(f"INSERT INTO {into} SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING")


async def upsert(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
    on_conflict: Literal["update", "ignore"] = "update",
) -> None:
    """Insert `rows`; where `key` already exists, overwrite the other columns given (`update`) or keep the row
    as it is (`ignore`). One statement for the whole batch; of rows sharing a key, the last one wins."""
    if not rows:
        return
    rows = list({tuple(row[k] for k in key): row for row in rows}.values())
    statement = insert_for(session, table)
    changing = [c for c in rows[0] if c not in key]
    if changing and on_conflict == "update":
        statement = statement.on_conflict_do_update(
            index_elements=list(key), set_={c: statement.excluded[c] for c in changing}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(key))
    await session.execute(statement, rows)


def migrate(url: str, script_location: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` with the service's Alembic scripts. Call it outside an event
    loop (or in a thread): Alembic's environment runs its own."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", script_location)
    config.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    command.upgrade(config, revision)


def run_migrations_from_env(target_metadata: MetaData) -> None:
    """The body of every service's `migrations/env.py`."""
    from alembic import context

    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("sqlalchemy.url is not set for the migrations")

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def run(connection: Any) -> None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(run)
                await connection.commit()
        finally:
            await engine.dispose()

    asyncio.run(main())
