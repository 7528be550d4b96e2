"""The ``still`` command line: argument parsing, output, exit codes, error messages."""
