"""Hypothesis strategies for ``op.*`` calls with every argument form, as revision-file source.

A :class:`Case` is the text of one or more ``op.*`` calls (what an ``upgrade()`` says) and the
tags naming the argument forms it uses; tags let a differential test recognise a deliberate
difference without reading the code.  ``offline_case()`` draws calls on made-up tables (a
``--sql`` script needs no database); ``online_case(kind, prefix)`` draws a table, its rows and
calls that fit them, for a live database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import strategies as st

Draw = Callable[..., object]


@dataclass
class Case:
    """``op.*`` calls as source text, with the argument forms they use."""

    lines: list[str]
    tags: set[str] = field(default_factory=set)
    tables: set[str] = field(default_factory=set)  # online: the tables the case owns

    @property
    def opts(self) -> dict[str, object]:
        """The context options both tools run the case with (env.py's target_metadata)."""
        if "naming_convention" not in self.tags:
            return {}
        import sqlalchemy as sa

        return {"target_metadata": sa.MetaData(naming_convention=NAMING_CONVENTION)}

    @property
    def code(self) -> str:
        return "\n".join(self.lines)

    def __repr__(self) -> str:  # hypothesis prints the failing example: show the code
        return f"Case(tags={sorted(self.tags)}):\n{self.code}\n"


# -- names ---------------------------------------------------------------------------------------

# plain names, and names that must be quoted (a reserved word, capitals, a space)
NAMES = ["a", "b", "c", "amount", "order", "Mixed", "two words"]
QUOTED = "it's"  # a string with a quote in it
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
TABLES = ["t", "pets", "user", "Owners"]


def _ident(draw: Draw, pool: list[str]) -> str:
    return draw(st.sampled_from(pool))  # type: ignore[return-value]


def _maybe(draw: Draw, value: str, tag: str | None = None, tags: set[str] | None = None) -> str:
    """``value`` or nothing (an argument given or left out)."""
    if draw(st.booleans()):
        if tag and tags is not None:
            tags.add(tag)
        return value
    return ""


def _args(*parts: str) -> str:
    return ", ".join(p for p in parts if p)


# -- types ---------------------------------------------------------------------------------------


def _type(draw: Draw, tags: set[str], online: str | None = None) -> tuple[str, str]:
    """(type source, family): family says what values and defaults suit it.  Online, the names
    a type gives (enum types, CHECK constraints) start with the case's prefix, ``__P__``."""
    ns = "__P__" if online else ""
    choices: list[tuple[str, str]] = [
        ("sa.Integer", "int"),
        ("sa.BigInteger()", "int"),
        ("sa.SmallInteger", "int"),
        (f"sa.String({draw(st.integers(1, 300))})", "str"),
        ("sa.String(40)", "str"),
        ("sa.Text()", "text"),
        (f"sa.Numeric({draw(st.integers(5, 12))}, {draw(st.integers(0, 4))})", "num"),
        ("sa.Numeric(10, 2, asdecimal=False)", "num"),
        ("sa.Float()", "num"),
        ("sa.Boolean()", "bool"),
        ("sa.Date()", "date"),
        ("sa.DateTime()", "datetime"),
        ("sa.DateTime(timezone=True)", "datetime"),
        ("sa.Time()", "time"),
        ("sa.LargeBinary()", "bin"),
        ("sa.Unicode(30)", "str"),
        ("sa.JSON()", "json"),
        ("sa.Uuid()", "uuid"),
    ]
    if online != "mariadb":
        choices.append(("sa.Interval()", "interval"))
    choices += [
        (f'sa.Enum("x", "y", "z", name="{ns}{draw(st.sampled_from(["kind", "mood"]))}")', "enum"),
        (
            f'sa.Enum("x", "y", name="{ns}ck_flag", native_enum=False, create_constraint=True)',
            "enum",
        ),
        (f'sa.Boolean(create_constraint=True, name="{ns}ck_bool")', "bool"),
        ('sa.Enum("x", "y", native_enum=False, length=20)', "enum"),
    ]
    if online in (None, "postgresql"):
        choices += [("sa.ARRAY(sa.Integer)", "array"), ("postgresql.JSONB()", "json")]
    if online is None:
        choices += [
            ('postgresql.ENUM("x", "y", name="given", create_type=False)', "given_enum"),
            ('sa.String(20, collation="C")', "str"),
            ("mysql.VARCHAR(20, charset='utf8mb4')", "str"),
            ("sa.NVARCHAR(20)", "str"),
        ]
    source, family = draw(st.sampled_from(choices))  # type: ignore[misc]
    if "collation" in source:
        tags.add("collation")
    if family in ("array", "json", "interval", "uuid") or source.startswith(
        ("postgresql", "mysql")
    ):
        tags.add(f"type_{family}")
    if "create_constraint=True" in source:
        tags.add("type_check")
    if family == "enum" and "native_enum=False" not in source:
        tags.add("native_enum")
    if family == "given_enum":
        tags.add("given_enum")
    return source, family


def _default(draw: Draw, family: str) -> str | None:
    """A server default suiting the type family (or None)."""
    options = {
        "int": ['"0"', 'sa.text("7")'],
        "num": ['"1.5"', 'sa.text("0")'],
        "str": ['"it\'s"', '"x"'],
        "text": [],
        "bool": ["sa.true()", "sa.false()"],
        "date": [],
        "datetime": ["sa.func.now()", 'sa.text("CURRENT_TIMESTAMP")'],
        "enum": ['"x"'],
    }.get(family, [])
    return draw(st.sampled_from(options)) if options else None  # type: ignore[return-value]


def _fk_options(draw: Draw, tags: set[str], online: str | None = None) -> list[str]:
    """ON DELETE / ON UPDATE, DEFERRABLE, INITIALLY, MATCH (online: what the database has)."""
    out = []
    for key, values in (
        (
            "ondelete",
            ["CASCADE", "SET NULL", "RESTRICT", "NO ACTION"] + ["SET DEFAULT"] * (not online),
        ),
        ("onupdate", ["CASCADE", "SET NULL", "RESTRICT"]),
    ):
        if draw(st.booleans()):
            value = draw(st.sampled_from(values))
            out.append(f"{key}={value!r}")
            tags.add(f"fk_{key}_{value.replace(' ', '_').lower()}")
    if online in (None, "postgresql") and draw(st.integers(0, 3)) == 0:
        out.append("deferrable=True")
        tags.add("fk_deferrable")
        if draw(st.booleans()):
            out.append('initially="DEFERRED"')
            tags.add("fk_initially")
    if online is None and draw(st.integers(0, 5)) == 0:
        out.append('match="FULL"')
        tags.add("fk_match")
    return out


def _constraint_name(draw: Draw, prefix: str, tags: set[str]) -> str:
    """A name argument: a string, op.f(...), or None (the database or convention names it)."""
    form = draw(st.sampled_from(["str", "str", "f", "none"]))
    if form == "none":
        tags.add("unnamed")
        return "None"
    name = f"{prefix}_{draw(st.integers(0, 99))}"
    if form == "f":
        tags.add("op_f")
        return f"op.f({name!r})"
    return repr(name)


# -- columns ---------------------------------------------------------------------------------------


def column(
    draw: Draw,
    name: str,
    tags: set[str],
    referent: str = "p",
    online: str | None = None,
    allow_pk: bool = False,
) -> tuple[str, str]:
    """(``sa.Column(...)`` source, type family)."""
    type_, family = _type(draw, tags, online)
    ns = "__P__" if online else ""
    args = [repr(name), type_]
    # a foreign key on INTEGER columns (MariaDB refuses one between INT and BIGINT)
    if draw(st.integers(0, 3)) == 0 and type_ == "sa.Integer":
        fk = _args(f'"{referent}.id"', *_fk_options(draw, tags, online))
        if draw(st.booleans()):
            fk = _args(fk, f"name={_constraint_name(draw, ns + 'fk', tags)}")
        args.append(f"sa.ForeignKey({fk})")
        tags.add("column_fk")
    if draw(st.integers(0, 4)) == 0:
        # MariaDB's CREATE TABLE takes no CONSTRAINT name CHECK on a column (neither tool
        # changes that): only unnamed ones there, except in add_column
        in_create = online == "mariadb" and name != "added"
        check_name = "None" if in_create else _constraint_name(draw, f"{ns}ck_{_plain(name)}", tags)
        condition = f"{_quoted(online, name)} IS NOT NULL OR 1 = 1"
        args.append(f'sa.CheckConstraint("{condition}", name={check_name})')
        tags.add("column_check")
    generated = (
        family == "int" and "sa.ForeignKey" not in str(args) and draw(st.integers(0, 5)) == 0
    )
    if generated:
        if draw(st.booleans()):
            start = draw(st.integers(1, 10))
            args.append(f"sa.Identity(start={start}, increment={draw(st.integers(1, 3))})")
            tags.add("identity")
        else:
            persisted = draw(st.sampled_from(["", ", persisted=True", ", persisted=False"]))
            args.append(f'sa.Computed("1 + 1"{persisted})')
            tags.add("computed")
    kwargs = []
    if draw(st.booleans()):
        kwargs.append(f"nullable={draw(st.booleans())}")
    has_fk = "sa.ForeignKey" in str(args)
    if not generated and not has_fk and draw(st.integers(0, 2)) == 0:
        default = _default(draw, family)
        if default is not None:
            kwargs.append(f"server_default={default}")
            tags.add("server_default")
    if draw(st.integers(0, 3)) == 0:
        kwargs.append(f"unique={draw(st.booleans())}")
        tags.add("unique")
    if draw(st.integers(0, 3)) == 0:
        kwargs.append(f"index={draw(st.booleans())}")
        tags.add("index")
    if draw(st.integers(0, 3)) == 0:
        comment = draw(st.sampled_from(["a comment", "it's", "ünïcode", ""]))
        kwargs.append(f"comment={comment!r}")
        tags.add("comment")
    if family == "int" and draw(st.integers(0, 4)) == 0:
        kwargs.append(f"autoincrement={draw(st.sampled_from([True, False, 'auto']))!r}")
        tags.add("autoincrement")
    if allow_pk and family == "int" and draw(st.integers(0, 5)) == 0:
        kwargs.append("primary_key=True")
        tags.add("column_pk")
    return f"sa.Column({_args(*args, *kwargs)})", family


def _plain(name: str) -> str:
    """A column name as part of a constraint name."""
    return name.lower().replace(" ", "_")


def _quoted(online: str | None, name: str) -> str:
    """A column name inside SQL text of a CHECK (quoted where it must be)."""
    if name.isidentifier() and name.islower() and name not in ("order", "user"):
        return name
    quote = "`" if online == "mariadb" else '\\"'
    return f"{quote}{name}{quote}"


# -- offline: one operation on made-up tables, for the five dialects -----------------------------

OFFLINE_OPS = [
    "create_table",
    "drop_table",
    "add_column",
    "drop_column",
    "alter_column",
    "create_index",
    "drop_index",
    "rename_table",
    "create_primary_key",
    "create_unique_constraint",
    "create_check_constraint",
    "create_foreign_key",
    "drop_constraint",
    "create_table_comment",
    "drop_table_comment",
    "bulk_insert",
    "execute",
]


@st.composite
def offline_case(draw: Draw) -> Case:
    tags: set[str] = set()
    kind = draw(st.sampled_from(OFFLINE_OPS))
    tags.add(kind)
    table = _ident(draw, TABLES)
    schema = _maybe(draw, 'schema="s"', "schema", tags)
    builder = _OFFLINE[kind]
    line = builder(draw, table, schema, tags)
    if draw(st.integers(0, 3)) == 0:
        tags.add("naming_convention")  # env.py's target_metadata has one
    return Case([line], tags)


def _create_table(draw: Draw, table: str, schema: str, tags: set[str]) -> str:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    items = ['sa.Column("id", sa.Integer, primary_key=True)']
    for name in names:
        items.append(column(draw, name, tags)[0])
    if draw(st.integers(0, 2)) == 0:
        cols = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
        kind = draw(st.sampled_from(["unique", "index", "fk", "check"]))
        tags.add(f"table_{kind}")
        if kind == "unique":
            extra = _maybe(draw, "deferrable=True", "uq_deferrable", tags)
            name = _constraint_name(draw, "uq", tags)
            items.append(f"sa.UniqueConstraint({_args(*map(repr, cols), f'name={name}', extra)})")
        elif kind == "index":
            options = _args(
                _maybe(draw, "unique=True", "index_unique", tags),
                _maybe(draw, 'postgresql_where=sa.text("id > 0")', "index_where", tags),
            )
            name = repr(f"ix_{draw(st.integers(0, 9))}")
            items.append(f"sa.Index({_args(name, *map(repr, cols), options)})")
        elif kind == "fk":
            name = _constraint_name(draw, "fk", tags)
            options = _args(f"name={name}", *_fk_options(draw, tags))
            items.append(f"sa.ForeignKeyConstraint({cols[:1]!r}, ['p.id'], {options})")
        else:
            items.append(f'sa.CheckConstraint("id > 0", name={_constraint_name(draw, "ck", tags)})')
    kwargs = [schema]
    if draw(st.booleans()):
        kwargs.append(f"comment={draw(st.sampled_from(['table comment', QUOTED]))!r}")
        tags.add("table_comment")
    kwargs.append(_maybe(draw, "if_not_exists=True", "if_not_exists", tags))
    kwargs.append(_maybe(draw, 'mysql_engine="InnoDB"', "mysql_engine", tags))
    kwargs.append(_maybe(draw, 'prefixes=["UNLOGGED"]', "prefixes", tags))
    kwargs.append(_maybe(draw, 'mysql_charset="utf8mb4"', "mysql_charset", tags))
    kwargs.append(_maybe(draw, "sqlite_autoincrement=True", "sqlite_autoincrement", tags))
    kwargs.append(_maybe(draw, 'info={"note": 1}', "info", tags))
    return f"op.create_table({_args(repr(table), *items, *kwargs)})"


def _drop_table(draw: Draw, table: str, schema: str, tags: set[str]) -> str:
    guard = _maybe(draw, "if_exists=True", "if_exists", tags)
    return f"op.drop_table({_args(repr(table), schema, guard)})"


def _add_column(draw: Draw, table: str, schema: str, tags: set[str]) -> str:
    col, _ = column(draw, _ident(draw, NAMES), tags, allow_pk=True)
    kwargs = [
        schema,
        _maybe(draw, "if_not_exists=True", "if_not_exists", tags),
        _maybe(draw, "inline_references=True", "inline_references", tags),
        _maybe(draw, "inline_primary_key=True", "inline_primary_key", tags),
    ]
    return f"op.add_column({_args(repr(table), col, *kwargs)})"


def _drop_column(draw: Draw, table: str, schema: str, tags: set[str]) -> str:
    kwargs = [
        schema,
        _maybe(draw, "if_exists=True", "if_exists", tags),
        _maybe(draw, "mssql_drop_default=True", "mssql_drop", tags),
    ]
    return f"op.drop_column({_args(repr(table), repr(_ident(draw, NAMES)), *kwargs)})"


def _alter_column(draw: Draw, table: str, schema: str, tags: set[str]) -> str:
    kwargs = [schema]
    existing, family = _type(draw, tags)
    changes = draw(
        st.lists(
            st.sampled_from(["nullable", "type", "default", "name", "comment", "autoincrement"]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    for change in changes:
        tags.add(f"alter_{change}")
        if change == "nullable":
            kwargs.append(f"nullable={draw(st.booleans())}")
        elif change == "type":
            new, _ = _type(draw, tags)
            kwargs.append(f"type_={new}")
            kwargs.append(_maybe(draw, 'postgresql_using="a::text"', "postgresql_using", tags))
        elif change == "default":
            default = _default(draw, family)
            kwargs.append(f"server_default={default if default and draw(st.booleans()) else None}")
        elif change == "name":
            kwargs.append(f"new_column_name={_ident(draw, NAMES)!r}")
        elif change == "comment":
            kwargs.append(f"comment={draw(st.sampled_from(['new', None, QUOTED]))!r}")
        else:
            kwargs.append(f"autoincrement={draw(st.booleans())}")
    if draw(st.booleans()):
        kwargs.append(f"existing_type={existing}")
        tags.add("existing_type")
    if draw(st.booleans()):
        kwargs.append(f"existing_nullable={draw(st.booleans())}")
    if draw(st.integers(0, 2)) == 0:
        default = _default(draw, family)
        if default is not None:
            kwargs.append(f"existing_server_default={default}")
            tags.add("existing_server_default")
    if draw(st.integers(0, 2)) == 0:
        kwargs.append(f"existing_comment={draw(st.sampled_from(['old', None]))!r}")
    return f"op.alter_column({_args(repr(table), repr(_ident(draw, NAMES)), *kwargs)})"


def _create_index(draw: Draw, table: str, schema: str, tags: set[str]) -> str:
    cols = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
    columns = [repr(c) for c in cols]
    if draw(st.integers(0, 3)) == 0:
        columns.append('sa.text("lower(b)")')
        tags.add("index_expression")
    name = draw(st.sampled_from(["'ix_a'", "op.f('ix_b')", "None"]))
    if name == "None":
        tags.add("unnamed")
    kwargs = [
        schema,
        _maybe(draw, "unique=True", "index_unique", tags),
        _maybe(draw, "if_not_exists=True", "if_not_exists", tags),
        _maybe(draw, 'postgresql_where=sa.text("a > 0")', "index_where", tags),
        _maybe(draw, 'postgresql_using="hash"', "index_using", tags),
        _maybe(draw, 'postgresql_include=["c"]', "index_include", tags),
        _maybe(draw, "mysql_length=10", "index_length", tags),
        _maybe(draw, "mssql_clustered=False", "index_clustered", tags),
    ]
    form = draw(st.sampled_from(["list", "list", "single"]))
    cols_arg = f"[{', '.join(columns)}]" if form == "list" or len(columns) > 1 else columns[0]
    if cols_arg.startswith("'"):
        tags.add("index_single_str")  # one column name, not in a list
    return f"op.create_index({_args(name, repr(table), cols_arg, *kwargs)})"


def _drop_index(draw: Draw, table: str, schema: str, tags: set[str]) -> str:
    kwargs = [
        _maybe(draw, f"table_name={table!r}", "drop_index_table", tags),
        schema,
        _maybe(draw, "if_exists=True", "if_exists", tags),
    ]
    return f"op.drop_index({_args(repr('ix_a'), *kwargs)})"


def _rename_table(draw: Draw, table: str, schema: str, tags: set[str]) -> str:
    return f"op.rename_table({_args(repr(table), repr(_ident(draw, TABLES) + '_new'), schema)})"


def _create_pk(draw: Draw, table: str, schema: str, tags: set[str]) -> str:
    cols = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=2, unique=True))
    name = _constraint_name(draw, "pk", tags)
    return f"op.create_primary_key({_args(name, repr(table), repr(cols), schema)})"


def _create_unique(draw: Draw, table: str, schema: str, tags: set[str]) -> str:
    cols = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=2, unique=True))
    kwargs = [schema, _maybe(draw, "deferrable=True", "uq_deferrable", tags)]
    if "deferrable=True" in kwargs:
        kwargs.append(_maybe(draw, 'initially="DEFERRED"', "uq_initially", tags))
    name = _constraint_name(draw, "uq", tags)
    return f"op.create_unique_constraint({_args(name, repr(table), repr(cols), *kwargs)})"


def _create_check(draw: Draw, table: str, schema: str, tags: set[str]) -> str:
    condition = draw(
        st.sampled_from(
            ['"a > 0"', 'sa.text("a > 0 AND b < 10")', 'sa.column("a") > 5', "\"b IN ('x', 'y')\""]
        )
    )
    name = _constraint_name(draw, "ck", tags)
    return f"op.create_check_constraint({_args(name, repr(table), condition, schema)})"


def _create_fk(draw: Draw, table: str, schema: str, tags: set[str]) -> str:
    local = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=2, unique=True))
    remote = ["id", "id2"][: len(local)]
    kwargs = _fk_options(draw, tags)
    if schema:
        kwargs.append('source_schema="s"')
    kwargs.append(_maybe(draw, 'referent_schema="r"', "referent_schema", tags))
    referent = draw(st.sampled_from(["p", table]))  # a table's own key too
    name = _constraint_name(draw, "fk", tags)
    args = _args(name, repr(table), repr(referent), repr(local), repr(remote), *kwargs)
    return f"op.create_foreign_key({args})"


def _drop_constraint(draw: Draw, table: str, schema: str, tags: set[str]) -> str:
    type_ = draw(st.sampled_from([None, "foreignkey", "unique", "check", "primary"]))
    tags.add(f"drop_{type_}")
    kwargs = [
        f"type_={type_!r}" if type_ or draw(st.booleans()) else "",
        schema,
        _maybe(draw, "if_exists=True", "if_exists", tags),
    ]
    name = repr(f"x_{draw(st.integers(0, 9))}")
    return f"op.drop_constraint({_args(name, repr(table), *kwargs)})"


def _table_comment(draw: Draw, table: str, schema: str, tags: set[str]) -> str:
    comment = draw(st.sampled_from(["a table", "it's", "ünï"]))
    existing = _maybe(draw, "existing_comment='old'", "existing_comment", tags)
    return f"op.create_table_comment({_args(repr(table), repr(comment), existing, schema)})"


def _drop_table_comment(draw: Draw, table: str, schema: str, tags: set[str]) -> str:
    existing = _maybe(draw, "existing_comment='old'", "existing_comment", tags)
    return f"op.drop_table_comment({_args(repr(table), existing, schema)})"


def _bulk_insert(draw: Draw, table: str, schema: str, tags: set[str]) -> str:
    typed = draw(st.booleans())
    if not typed:
        tags.add("untyped_columns")
    cols = (
        'sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("day", sa.Date), '
        'sa.column("ok", sa.Boolean)'
        if typed
        else 'sa.column("id"), sa.column("name")'
    )
    rows = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "id": st.integers(-5, 10**6),
                    "name": st.sampled_from(["Ann", "it's", "ü", None, "a;b"]),
                }
            ),
            min_size=1,
            max_size=3,
        )
    )
    if typed:
        for row in rows:
            row["day"] = "__DATE__"
            row["ok"] = draw(st.booleans())
    rows_src = repr(rows).replace("'__DATE__'", "datetime.date(2024, 2, 29)")
    multi = _maybe(draw, "multiinsert=False", "multiinsert", tags)
    schema_arg = ", schema='s'" if schema else ""
    return (
        "import datetime\n"
        f"op.bulk_insert(sa.table({table!r}, {cols}{schema_arg}), "
        f"{_args(rows_src, multi)})"
    )


def _execute(draw: Draw, table: str, schema: str, tags: set[str]) -> str:
    form = draw(st.sampled_from(["str", "text", "update", "insert"]))
    tags.add(f"execute_{form}")
    if form == "str":
        return "op.execute(\"UPDATE t SET a = 'x' WHERE b = 1\")"
    if form == "text":
        return 'op.execute(sa.text("DELETE FROM t WHERE a IS NULL"))'
    if form == "update":
        value = draw(st.sampled_from(["5", "'it''s'"]))
        return (
            "op.execute(sa.table('t', sa.column('a'), sa.column('b')).update()"
            f".where(sa.column('b') == op.inline_literal(1)).values(a=op.inline_literal({value})))"
        )
    return (
        "op.execute(sa.table('t', sa.column('a', sa.Integer), sa.column('b', sa.String))"
        ".insert().values(a=1, b='x'))"
    )


_OFFLINE = {
    "create_table": _create_table,
    "drop_table": _drop_table,
    "add_column": _add_column,
    "drop_column": _drop_column,
    "alter_column": _alter_column,
    "create_index": _create_index,
    "drop_index": _drop_index,
    "rename_table": _rename_table,
    "create_primary_key": _create_pk,
    "create_unique_constraint": _create_unique,
    "create_check_constraint": _create_check,
    "create_foreign_key": _create_fk,
    "drop_constraint": _drop_constraint,
    "create_table_comment": _table_comment,
    "drop_table_comment": _drop_table_comment,
    "bulk_insert": _bulk_insert,
    "execute": _execute,
}


# -- online: a table with rows, then calls that fit it -------------------------------------------

# Two values per type family, for the rows (both are valid foreign keys to the parent's ids).
VALUES: dict[str, tuple[str, str]] = {
    "int": ("1", "2"),
    "num": ("1.5", "2.5"),
    "str": ("'a'", "'b'"),
    "text": ("'some text'", "'more'"),
    "bool": ("True", "False"),
    "date": ("datetime.date(2024, 1, 1)", "datetime.date(2024, 2, 29)"),
    "datetime": ("datetime.datetime(2024, 1, 1, 12, 0)", "datetime.datetime(2024, 2, 29, 8, 5)"),
    "time": ("datetime.time(12, 0)", "datetime.time(8, 5, 1)"),
    "bin": ("b'a'", "b'b'"),
    "json": ('{"a": 1}', "[1, 2]"),
    "uuid": ("uuid.UUID(int=1)", "uuid.UUID(int=2)"),
    "interval": ("datetime.timedelta(days=1)", "datetime.timedelta(hours=2)"),
    "enum": ("'x'", "'y'"),
    "array": ("[1, 2]", "[3]"),
}
# What each type family becomes with alter_column(type_=...) (existing rows convert).
WIDER = {"int": "sa.BigInteger()", "str": "sa.String(400)", "num": "sa.Numeric(14, 4)"}


@dataclass
class OnlineCase(Case):
    """Steps (each a piece of code run in its own transaction); ``__P__`` in them is replaced by
    the case's own prefix, so that many cases share one database."""

    steps: list[str] = field(default_factory=list)

    def with_prefix(self, prefix: str) -> list[str]:
        return [step.replace("__P__", prefix) for step in self.steps]

    def __repr__(self) -> str:
        return f"OnlineCase(tags={sorted(self.tags)}):\n" + "\n# --\n".join(self.steps) + "\n"


@st.composite
def online_case(draw: Draw, kind: str) -> OnlineCase:
    tags: set[str] = set()
    parent, table = "__P__p", "__P__t"
    names = draw(
        st.lists(
            st.sampled_from(["a", "b", "amount", "Mixed"]), min_size=1, max_size=3, unique=True
        )
    )
    columns: dict[str, tuple[str, str]] = {}
    for name in names:
        source, family = column(draw, name, tags, referent=parent, online=kind)
        columns[name] = (source, family)
    setup = [
        f'op.create_table("{parent}", sa.Column("id", sa.Integer, primary_key=True, '
        "autoincrement=False))",
        f'op.bulk_insert(sa.table("{parent}", sa.column("id", sa.Integer)), '
        '[{"id": 1}, {"id": 2}])',
        f'op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True, '
        f"autoincrement=False), {', '.join(s for s, _ in columns.values())})",
    ]
    filled = [
        n
        for n, (source, family) in columns.items()
        if family in VALUES and "Identity" not in source and "Computed" not in source
    ]
    typed = ", ".join(f"sa.column({n!r}, {_type_of(columns[n][0])})" for n in filled)
    rows = [
        "{"
        + ", ".join([f'"id": {i + 1}', *(f"{n!r}: {VALUES[columns[n][1]][i]}" for n in filled)])
        + "}"
        for i in range(2)
    ]
    setup.append(
        "import datetime, uuid\n"
        f'op.bulk_insert(sa.table("{table}", sa.column("id", sa.Integer)'
        f"{', ' + typed if typed else ''}), [{', '.join(rows)}])"
    )
    steps = ["\n".join(setup)]
    for n in range(draw(st.integers(1, 2))):
        step = _online_op(draw, kind, table, parent, columns, tags)
        if "rename_table" in step:
            steps.append(re.sub(r"__P__(ix|uq|ck|fk)\b", rf"__P__\g<1>{n}", step))
            break  # the table has another name now
        if "drop_column" in step or "new_column_name" in step:
            columns = {}  # later steps add or comment, touching no column of the table's
        steps.append(re.sub(r"__P__(ix|uq|ck|fk)\b", rf"__P__\g<1>{n}", step))
    return OnlineCase(lines=list(steps), tags=tags, steps=steps)


def _type_of(column_source: str) -> str:
    """The type argument of a ``sa.Column("name", TYPE, ...)`` source (for sa.column())."""
    depth = 0
    start = column_source.index(",") + 2
    for i in range(start, len(column_source)):
        char = column_source[i]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                return column_source[start:i]
            depth -= 1
        elif char == "," and depth == 0:
            return column_source[start:i]
    raise ValueError(column_source)


def _online_op(
    draw: Draw,
    kind: str,
    table: str,
    parent: str,
    columns: dict[str, tuple[str, str]],
    tags: set[str],
) -> str:
    plain = [n for n, (s, _) in columns.items() if "Identity" not in s and "Computed" not in s]
    if kind == "mariadb":  # InnoDB keeps a foreign key's column (and its index) until it goes
        plain = [n for n in plain if "ForeignKey" not in columns[n][0]]
    choice = draw(
        st.sampled_from(
            [
                "add_column",
                "drop_column",
                "rename_column",
                "alter_nullable",
                "alter_default",
                "alter_type",
                "alter_comment",
                "create_index",
                "unique",
                "check",
                "foreign_key",
                "drop_constraint",
                "rename_table",
                "table_comment",
                "update",
            ]
        )
    )
    tags.add(f"online_{choice}")
    column_name = draw(st.sampled_from(plain)) if plain else None
    family = columns[column_name][1] if column_name else None
    existing = _type_of(columns[column_name][0]) if column_name else None
    if choice == "add_column":
        source, _ = column(draw, "added", tags, referent=parent, online=kind)
        if "nullable=False" in source and "server_default" not in source:
            source = source.replace("nullable=False", "nullable=True")
        return f'op.add_column("{table}", {source})'
    if column_name is None:
        return f'op.create_table_comment("{table}", "no columns to change")'
    quoted = repr(column_name)
    if choice == "drop_column":
        return f'op.drop_column("{table}", {quoted})'
    if choice == "rename_column":
        return (
            f'op.alter_column("{table}", {quoted}, new_column_name="renamed", '
            f"existing_type={existing})"
        )
    if choice == "alter_nullable":
        return f'op.alter_column("{table}", {quoted}, nullable=True, existing_type={existing})'
    if choice == "alter_default":
        default = _default(draw, family or "")
        return (
            f'op.alter_column("{table}", {quoted}, server_default={default}, '
            f"existing_type={existing}, existing_nullable=True)"
        )
    if choice == "alter_type":
        wider = WIDER.get(family or "")
        if wider is None:
            return f'op.alter_column("{table}", {quoted}, comment="kept", existing_type={existing})'
        return (
            f'op.alter_column("{table}", {quoted}, type_={wider}, existing_type={existing}, '
            "existing_nullable=True)"
        )
    if choice == "alter_comment":
        comment = draw(st.sampled_from(["new", QUOTED, None]))
        return (
            f'op.alter_column("{table}", {quoted}, comment={comment!r}, existing_type={existing}, '
            "existing_nullable=True)"
        )
    if choice == "create_index":
        unique = _maybe(draw, "unique=True", "index_unique", tags)
        return (
            f'op.create_index("__P__ix", "{table}", ["id", {quoted}], {unique or "unique=False"})'
        )
    if choice == "unique":
        name = draw(st.sampled_from(['"__P__uq"', "None"]))
        return f'op.create_unique_constraint({name}, "{table}", ["id", {quoted}])'
    if choice == "check":
        return f'op.create_check_constraint("__P__ck", "{table}", "id > 0")'
    if choice == "foreign_key" and existing == "sa.Integer":
        options = _args(*_fk_options(draw, tags, kind))
        return (
            f'op.create_foreign_key("__P__fk", "{table}", "{parent}", [{quoted}], ["id"]'
            f"{', ' + options if options else ''})"
        )
    if choice == "drop_constraint":
        named = [
            (re.search(r"name='(__P__\w+)'", s), s)
            for s, _ in columns.values()
            if "name='__P__" in s
        ]
        if named and named[0][0]:
            name = named[0][0].group(1)
            type_ = "foreignkey" if name.startswith("__P__fk") else "check"
            return f'op.drop_constraint("{name}", "{table}", type_="{type_}")'
        return f'op.create_check_constraint("__P__ck2", "{table}", "id < 100")'
    if choice == "rename_table":
        return f'op.rename_table("{table}", "__P__renamed")'
    if choice == "table_comment":
        return f'op.create_table_comment("{table}", {draw(st.sampled_from(["a table", QUOTED]))!r})'
    return f'op.execute(sa.table("{table}", sa.column("id")).delete().where(sa.column("id") == 2))'
