"""`custody db migrate`: the schema version before and after, on SQLite and on PostgreSQL.

The PostgreSQL server is CUSTODY_POSTGRES_URL (default: postgres on 127.0.0.1, database
`test`); each test works in a schema of its own, dropped afterwards. An unreachable server
fails these tests rather than skipping them, as in test_postgres.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import uuid4

import psycopg
import pytest

from custody_core.adapters.storage.postgres.schema import migrations as postgres_migrations
from custody_core.adapters.storage.sqlite.schema import APPLICATION_ID, migrations, statements
from custody_core.cli import main

SERVER = os.environ.get("CUSTODY_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
LATEST = len(migrations())


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CUSTODY_DB", "CUSTODY_ACCOUNT", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--lang", "en", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def migrate_json(capsys: pytest.CaptureFixture[str], database: str) -> Any:
    code, out, err = run(capsys, "--db", database, "db", "migrate", "--json")
    assert (code, err) == (0, "")
    return json.loads(out)


def user_version(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        version: int = connection.execute("PRAGMA user_version").fetchone()[0]
        return version
    finally:
        connection.close()


@pytest.fixture
def first_version_file(tmp_path: Path) -> Path:
    """A SQLite file with only the first migration applied, as an old release left it."""
    path = tmp_path / "old.sqlite"
    number, script = migrations()[0]
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements(script):
            connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {number}")
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    finally:
        connection.close()
    return path


# SQLite --------------------------------------------------------------------------------------


def test_an_old_sqlite_file_is_migrated_to_the_latest_version(
    first_version_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert LATEST > 1, "this test needs a migration after the first"

    assert migrate_json(capsys, str(first_version_file)) == {"before": 1, "after": LATEST}

    assert user_version(first_version_file) == LATEST
    assert migrate_json(capsys, str(first_version_file)) == {"before": LATEST, "after": LATEST}


def test_migrate_says_what_it_did(
    first_version_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = f"sqlite:///{first_version_file}"
    code, out, err = run(capsys, "--db", database, "db", "migrate")
    assert (code, err, out.strip()) == (0, "", f"Schema migrated from version 1 to {LATEST}")

    code, out, err = run(capsys, "--db", database, "db", "migrate")
    assert (code, err, out.strip()) == (0, "", f"Schema is up to date (version {LATEST})")


def test_an_empty_sqlite_file_gets_the_whole_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.sqlite"
    path.touch()
    assert migrate_json(capsys, str(path)) == {"before": 0, "after": LATEST}


@pytest.mark.parametrize(
    ("database", "expected"),
    [
        ("missing.sqlite", "custody: database missing.sqlite not found"),
        (
            "memory://",
            "custody: db migrate works on sqlite:/// and postgresql:// databases, not memory://",
        ),
    ],
)
def test_migrate_needs_an_existing_database_it_can_version(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database: str,
    expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)

    code, out, err = run(capsys, "--db", database, "db", "migrate")

    assert (code, out, err.splitlines()) == (1, "", [expected])
    assert list(tmp_path.iterdir()) == []


def test_a_newer_sqlite_schema_is_refused_and_left_alone(
    first_version_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    connection = sqlite3.connect(first_version_file)
    connection.execute(f"PRAGMA user_version = {LATEST + 1}")
    connection.commit()
    connection.close()
    before = first_version_file.read_bytes()

    code, out, err = run(capsys, "--db", str(first_version_file), "db", "migrate")

    assert (code, out) == (1, "")
    assert "Traceback" not in err
    assert str(LATEST + 1) in err
    assert first_version_file.read_bytes() == before


def test_migrate_has_help_and_a_json_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "migrate", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: custody db migrate")
    assert "--json" in out


# PostgreSQL ----------------------------------------------------------------------------------


@pytest.fixture
def new_schema() -> Iterator[Callable[[], str]]:
    """Makes an empty schema and gives the URL that works in it; every one made is dropped."""
    try:
        psycopg.connect(SERVER, connect_timeout=5).close()
    except psycopg.Error as error:
        pytest.fail(f"these tests need PostgreSQL at {SERVER}: {error}", pytrace=False)
    made: list[str] = []

    def make() -> str:
        name = f"custody_test_{uuid4().hex}"
        with psycopg.connect(SERVER, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{name}"')
        made.append(name)
        separator = "&" if "?" in SERVER else "?"
        return f"{SERVER}{separator}options={quote(f'-csearch_path={name}')}"

    yield make
    with psycopg.connect(SERVER, autocommit=True) as connection:
        for name in made:
            connection.execute(f'DROP SCHEMA "{name}" CASCADE')


def test_an_empty_postgres_schema_is_migrated_to_the_latest_version(
    new_schema: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = new_schema()
    latest = len(postgres_migrations())

    assert migrate_json(capsys, url) == {"before": 0, "after": latest}

    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT version FROM custody_schema_version ORDER BY 1")
        assert [version for (version,) in rows] == list(range(1, latest + 1))
    code, out, err = run(capsys, "--db", url, "db", "migrate")
    assert (code, err, out.strip()) == (0, "", f"Schema is up to date (version {latest})")


def test_a_schema_not_ours_is_refused_and_left_alone(
    new_schema: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = new_schema()
    with psycopg.connect(url) as connection:
        connection.execute("CREATE TABLE notes (body text)")

    code, out, err = run(capsys, "--db", url, "db", "migrate")

    assert (code, out) == (1, "")
    assert "no custody schema" in err
    with psycopg.connect(url) as connection:
        tables = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
    assert tables == [("notes",)]


def test_a_missing_postgres_database_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql://postgres@127.0.0.1:5432/custody_no_such_{uuid4().hex[:8]}"
    if "CUSTODY_POSTGRES_URL" in os.environ:
        base, _, _ = SERVER.partition("?")
        url = f"{base.rsplit('/', 1)[0]}/custody_no_such_{uuid4().hex[:8]}"

    code, out, err = run(capsys, "--db", url, "db", "migrate")

    assert (code, out) == (1, "")
    assert err.startswith("custody: ")
    assert "does not exist" in err
    assert "Traceback" not in err
