"""Generated projects: revision chains, a branchy graph, and models for ``check``.

Every project is a plain Alembic-layout directory (alembic.ini, env.py, versions/) that both
tools run unchanged.  The ini has no ``ledger`` key (off) and ``migration_lock`` left at its
default (on).  env.py takes the database URL from ``BENCH_DB_URL`` when it is set, so the same
files serve SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

INI = """\
[alembic]
script_location = %(here)s/migrations
prepend_sys_path = %(here)s
path_separator = os
sqlalchemy.url = sqlite:///%(here)s/bench.db

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %%H:%%M:%%S
"""

ENV = """\
import os
from logging.config import fileConfig

from sqlalchemy import engine_from_config, pool

from alembic import context

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

{metadata}

url = os.environ.get("BENCH_DB_URL") or config.get_main_option("sqlalchemy.url")


def offline():
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={{"paramstyle": "named"}},
    )
    with context.begin_transaction():
        context.run_migrations()


def online():
    section = config.get_section(config.config_ini_section, {{}})
    section["sqlalchemy.url"] = url
    engine = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    offline()
else:
    online()
"""

NO_METADATA = "target_metadata = None"
MODELS_METADATA = "from bench_models import metadata as target_metadata"

REVISION = '''\
"""{message}

Revision ID: {rev}
Revises: {revises}
Create Date: 2024-01-01 00:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = {rev!r}
down_revision: Union[str, Sequence[str], None] = {down!r}
branch_labels: Union[str, Sequence[str], None] = {labels!r}
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
{downgrade}
'''

CREATE = """\
    op.create_table(
        "{table}",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_{table}_name", "{table}", ["name"], unique=False)"""

DROP = """\
    op.drop_index("ix_{table}_name", table_name="{table}")
    op.drop_table("{table}")"""


def rev_id(kind: str, number: int) -> str:
    """A stable 12-hex-digit revision id, spread like the random ones tools generate."""
    return hashlib.sha1(f"{kind}-{number}".encode()).hexdigest()[:12]


@dataclass
class Project:
    """A generated project on disk."""

    name: str
    root: Path
    revisions: int = 0
    tables: int = 0
    merges: int = 0
    labels: list[str] = field(default_factory=list)

    @property
    def ini(self) -> Path:
        return self.root / "alembic.ini"

    @property
    def db(self) -> Path:
        return self.root / "bench.db"

    @property
    def script_dir(self) -> Path:
        return self.root / "migrations"

    @property
    def versions(self) -> Path:
        return self.script_dir / "versions"


def _skeleton(root: Path, metadata: str = NO_METADATA) -> None:
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "alembic.ini").write_text(INI)
    (root / "migrations" / "env.py").write_text(ENV.format(metadata=metadata))
    # Only `revision` and `merge` read the template; neither is benchmarked, but keep the layout
    # complete.
    (root / "migrations" / "script.py.mako").write_text(
        '"""${message}"""\nrevision = ${repr(up_revision)}\n'
        "down_revision = ${repr(down_revision)}\n"
        "\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"
    )


def _write_revision(
    versions: Path,
    rev: str,
    down: str | tuple[str, ...] | None,
    table: str | None,
    message: str,
    labels: tuple[str, ...] | None = None,
) -> None:
    if table is None:
        up = down_ops = "    pass"
    else:
        up = CREATE.format(table=table)
        down_ops = DROP.format(table=table)
    revises = ", ".join(down) if isinstance(down, tuple) else (down or "")
    slug = message.replace(" ", "_")
    (versions / f"{rev}_{slug}.py").write_text(
        REVISION.format(
            message=message,
            rev=rev,
            revises=revises,
            down=down,
            labels=labels,
            upgrade=up,
            downgrade=down_ops,
        )
    )


def linear(root: Path, count: int) -> Project:
    """``count`` revisions in one line, each creating a table with an index."""
    _skeleton(root)
    down: str | None = None
    for i in range(1, count + 1):
        rev = rev_id("linear", i)
        table = f"t{i:05d}"
        _write_revision(root / "migrations" / "versions", rev, down, table, f"create {table}")
        down = rev
    return Project(f"linear-{count}", root, revisions=count, tables=count)


def branchy(root: Path, count: int = 2000, merges: int = 200, labelled_every: int = 20) -> Project:
    """A trunk that forks and merges back ``merges`` times, ``count`` revisions in all.

    Each cycle: one trunk revision, two branches of equal length, one merge revision (no
    operations).  The first revision of the second branch of every ``labelled_every``-th cycle
    carries a branch label (which then also names the trunk below the merges that follow, as
    branch labels do); the graph ends at the last merge, one head.
    """
    _skeleton(root)
    versions = root / "migrations" / "versions"
    per_cycle = count // merges  # trunk + 2 * side + merge
    side = (per_cycle - 2) // 2
    number = 0
    labels: list[str] = []

    def new(down: str | tuple[str, ...] | None, op: bool = True, label: str | None = None) -> str:
        nonlocal number
        number += 1
        rev = rev_id("branchy", number)
        table = f"b{number:05d}" if op else None
        message = f"create {table}" if table else f"merge {number}"
        _write_revision(versions, rev, down, table, message, (label,) if label else None)
        return rev

    tip: str | None = None
    for cycle in range(merges):
        tip = new(tip)
        a = tip
        for _ in range(side):
            a = new(a)
        label = f"feature{cycle}" if cycle % labelled_every == labelled_every - 1 else None
        if label:
            labels.append(label)
        b = new(tip, label=label)
        for _ in range(side - 1):
            b = new(b)
        tip = new((a, b), op=False)
    return Project(
        f"branchy-{number}",
        root,
        revisions=number,
        tables=number - merges,
        merges=merges,
        labels=labels,
    )


MODELS_HEADER = """\
import sqlalchemy as sa

metadata = sa.MetaData()
"""

MODEL = """
sa.Table(
    "m{i:05d}",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("code", sa.String(length=40), nullable=False),
    sa.Column("amount", sa.Numeric(12, 2), nullable=True),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("parent_id", sa.Integer(), sa.ForeignKey("{parent}.id"), nullable=True),
    sa.UniqueConstraint("code", name="uq_m{i:05d}_code"),
    sa.Index("ix_m{i:05d}_parent_id", "parent_id"),
)
"""


def models(root: Path, count: int) -> Project:
    """A project whose env.py has ``count`` tables as target_metadata, and no revisions.

    Each table has five columns, a unique constraint, an index, and a foreign key to the
    previous table (the first refers to itself).  The database is created from the same
    metadata, so ``check`` finds nothing to do.
    """
    _skeleton(root, MODELS_METADATA)
    parts = [MODELS_HEADER]
    for i in range(1, count + 1):
        parts.append(MODEL.format(i=i, parent=f"m{max(i - 1, 1):05d}"))
    (root / "bench_models.py").write_text("".join(parts))
    return Project(f"models-{count}", root, tables=count)
