"""A run's psycopg pipeline: opened for the run, waited for before a commit, and the failure of a
statement still in it found and attributed to its step.

:mod:`still.ddl.pipeline` sends the statements still compiled (DDL, version-table writes) without
waiting for each; the runtime opens one per run (``postgresql_pipeline``, on by default, where the
connection is psycopg's), labels each step (``pipeline.step``), and waits for it before a step's
transaction commits and at the end of the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from still.ddl.pipeline import PipelineFailure, StatementPipeline

if TYPE_CHECKING:
    from still.runtime.migration import MigrationContext


@contextmanager
def pipeline_for_run(context: MigrationContext) -> Iterator[StatementPipeline | None]:
    """PostgreSQL through psycopg: the impl sends DDL without waiting for the block (see
    :mod:`still.ddl.pipeline`); closed at its end."""
    connection = context.connection
    pipeline = None
    if (
        not context.as_sql
        and connection is not None
        and context._option("postgresql_pipeline", True)
        and StatementPipeline.supported(connection)
    ):
        pipeline = StatementPipeline(connection)
    impl = context.impl
    impl.pipeline = pipeline
    try:
        yield pipeline
    finally:
        if impl.pipeline is not None:
            impl.pipeline.close()
            impl.pipeline = None


def earlier_failure(pipeline: StatementPipeline | None, exc: Exception) -> PipelineFailure | None:
    """The failure of a statement still in the pipeline, which came before ``exc``."""
    if isinstance(exc, PipelineFailure):
        return exc
    if pipeline is None:
        return None
    try:
        pipeline.flush()
    except PipelineFailure as earlier:
        return earlier
    except Exception:  # the error at hand is the one to report
        pass
    return None
