"""``python -m still``."""

from still.cli.main import main

main()
