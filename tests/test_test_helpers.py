"""The helpers the other tests stand on: in CI a missing server or reference tool fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import databases
from tests.databases import fresh_database, in_ci, missing, required


@pytest.mark.parametrize("value", ["true", "1", "yes", "True", "github"])
def test_any_value_of_ci_is_ci(value: str) -> None:
    assert in_ci({"CI": value})


@pytest.mark.parametrize("environ", [{}, {"CI": ""}])
def test_no_ci_without_a_value(environ: dict[str, str]) -> None:
    assert not in_ci(environ)


def test_missing_fails_in_ci_and_skips_elsewhere() -> None:
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        missing("no server", {"CI": "1"})
    with pytest.raises(pytest.skip.Exception, match="no server"):
        missing("no server", {})


@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
@pytest.mark.parametrize("ci", ["true", "1", None])
def test_an_unreachable_server_fails_whenever_ci_is_set(
    kind: str, ci: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg
    import pymysql

    def refuse(*args: object, **kw: object) -> None:
        error = psycopg.OperationalError if kind == "postgresql" else pymysql.err.OperationalError
        raise error("connection refused")

    monkeypatch.setattr(psycopg, "connect", refuse)
    monkeypatch.setattr(pymysql, "connect", refuse)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    outcome = pytest.skip.Exception if ci is None else pytest.fail.Exception
    with (
        pytest.raises(outcome, match=f"{kind} server not reachable: connection refused"),
        fresh_database(kind, tmp_path),
    ):
        pass


def test_a_missing_test_dependency_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="no_such_reference_tool"):
        required("no_such_reference_tool")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no_such_reference_tool"):
        required("no_such_reference_tool")
    assert required("alembic.command") is databases.importlib.import_module("alembic.command")
