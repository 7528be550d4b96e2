"""`--json` output, validated against the schemas documented in docs/json.md."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema

from tests.conftest import Project

DOC = Path(__file__).resolve().parents[1] / "docs" / "json.md"


def _schemas() -> dict[str, Any]:
    blocks = re.findall(r"```json (\w+)\n(.*?)```", DOC.read_text(), re.S)
    return {name: json.loads(body) for name, body in blocks}


def _resolve(schema: Any, schemas: dict[str, Any]) -> Any:
    """Inline a documented object where a schema names it: {"$ref": "#revision"}, "#state"."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            return _resolve(schemas[ref[1:]], schemas)
        return {k: _resolve(v, schemas) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_resolve(v, schemas) for v in schema]
    return schema


def _validate(name: str, text: str) -> dict[str, Any]:
    schemas = _schemas()
    document = json.loads(text)
    jsonschema.validate(document, _resolve(schemas[name], schemas))
    return document


def _project(project: Project) -> None:
    project.write_revision(
        "j1",
        None,
        "op.create_table('pets', sa.Column('id', sa.Integer, primary_key=True),"
        " sa.Column('weight', sa.Integer))",
        "op.drop_table('pets')",
        message="create pets",
    )
    project.write_revision(
        "j2",
        "j1",
        "op.drop_column('pets', 'weight')",
        "op.add_column('pets', sa.Column('weight', sa.Integer))",
    )
    project.write_revision("j3", "j1", "pass", message="another branch")


def test_every_documented_shape_holds(project: Project) -> None:
    _project(project)
    project.ok("upgrade", "j1")

    heads = _validate("heads", project.ok("heads", "--json").stdout)
    assert sorted(h["revision"] for h in heads["heads"]) == ["j2", "j3"]
    history = _validate("history", project.ok("history", "-i", "--json").stdout)
    assert [r["revision"] for r in history["revisions"]][-1] == "j1"
    assert [r["is_current"] for r in history["revisions"] if r["revision"] == "j1"] == [True]
    branches = _validate("branches", project.ok("branches", "--json").stdout)
    assert branches["branch_points"][0]["branch_point"]["revision"] == "j1"
    assert sorted(branches["branch_points"][0]["children"]) == ["j2", "j3"]
    shown = _validate("show", project.ok("show", "j1", "--json").stdout)
    assert shown["revisions"][0]["message"] == "create pets"
    current = _validate("current", project.ok("current", "--json").stdout)
    assert current["recorded"] == ["j1"] and current["missing"] == []

    plan = _validate("plan", project.ok("upgrade", "j2", "--plan", "--json").stdout)
    assert plan["data_loss"] == 1 and plan["start"] == ["j1"]
    assert plan["steps"][0]["operations"][0]["data_loss"]
    project.ok("upgrade", "heads", "--yes")

    log = _validate("log", project.ok("log", "--json").stdout)
    assert [e["direction"] for e in log["entries"]][:1] == ["upgrade"]
    verify = _validate("verify", project.ok("verify", "--json").stdout)
    assert verify["clean"] is True and verify["pending"] == []

    path = next(project.versions_dir.glob("j2_*.py"))
    path.write_text(path.read_text() + "\n# edited\n")
    drifted = project.run("verify", "--json")
    assert drifted.exit_code == 1
    document = _validate("verify", drifted.stdout)
    assert document["clean"] is False and document["changed"][0]["revision"] == "j2"


def test_check_json(project: Project) -> None:
    project.env_py.write_text(
        project.env_py.read_text().replace(
            "target_metadata = None",
            "import sqlalchemy as sa\ntarget_metadata = sa.MetaData()\n"
            "sa.Table('pets', target_metadata, sa.Column('id', sa.Integer, primary_key=True))",
        )
    )
    clean_run = project.run("check", "--json")
    document = _validate("check", clean_run.stdout)
    assert clean_run.exit_code == 1 and document["clean"] is False
    assert document["differences"][0]["operation"] == "add table pets"
