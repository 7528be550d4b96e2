[tool.alembic]
# Where env.py, script.py.mako and versions/ live (%(here)s: the directory of this file).
script_location = "${script_location}"

# Paths put in front of sys.path while env.py runs, so it can import your models.
prepend_sys_path = ["."]

# Name of new revision files (write %% for a literal %).
# file_template = "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s"

# Time zone of the "Create Date" in new revisions, e.g. "UTC".
# timezone = "UTC"

# Further directories of revision files.
# version_locations = ["%(here)s/alembic/versions", "%(here)s/other/versions"]

# still's ledger: a table (still_ledger) recording every migration run, with who, when and a
# checksum of the file; `still log` shows it and `still verify` checks the files against it.
ledger = true
