"""Revision files and the script directory: finding, reading (statically first) and writing them."""

from still.script.directory import ScriptDirectory
from still.script.script import Script

__all__ = ["Script", "ScriptDirectory"]
