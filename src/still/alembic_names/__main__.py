"""``python -m alembic`` with still behind the ``alembic`` names (the process-wide switch,
``STILL_AS_ALEMBIC=1``): still's command line, as Alembic's ``__main__`` runs its own.

Found by :mod:`still.compat` under the name ``alembic.__main__`` only when run; importing this
module does nothing.
"""

if __name__ == "__main__":
    from still.alembic_names.config import main

    main(prog="alembic")
