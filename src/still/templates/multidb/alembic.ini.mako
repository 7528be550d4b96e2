# Configuration of a still migration environment (the same file Alembic reads).

[alembic]
# Where env.py, script.py.mako and versions/ live, relative to this file.
script_location = ${script_location}

# Paths put in front of sys.path while env.py runs, so it can import your models.
prepend_sys_path = .
path_separator = os

# Name of new revision files; tokens: %%(rev)s %%(slug)s %%(epoch)s %%(year)d %%(month).2d
# %%(day).2d %%(hour).2d %%(minute).2d %%(second).2d
# file_template = %%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s

# Time zone of the "Create Date" in new revisions (default: local time), e.g. UTC.
# timezone = UTC

# Maximum length of the slug part of file names.
# truncate_slug_length = 40

# Further directories of revision files, separated by path_separator.
# version_locations = %(here)s/bar:%(here)s/bat:${script_location}/versions

# Encoding of new revision files.
# output_encoding = utf-8

# The databases: a section per name below, each with its own sqlalchemy.url.
databases = engine1, engine2

# still's ledger: a table (still_ledger) recording every migration run, with who, when and a
# checksum of the file; `still log` shows it and `still verify` checks the files against it.
# Set to false to keep still's own tables out of the database.
ledger = true

[engine1]
sqlalchemy.url = driver://user:pass@localhost/dbname1

[engine2]
sqlalchemy.url = driver://user:pass@localhost/dbname2


[post_write_hooks]
# Programs run on each new revision file, e.g. a formatter:
# hooks = ruff
# ruff.type = exec
# ruff.executable = ruff
# ruff.options = format REVISION_SCRIPT_FILENAME


[loggers]
keys = root,sqlalchemy,alembic,still

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

[logger_still]
level = INFO
handlers =
qualname = still

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
