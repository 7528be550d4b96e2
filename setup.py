"""Everything about the package is in pyproject.toml; this file only adds ``still_as_alembic.pth``
at the top of the wheel, so that it lands in site-packages, where ``site`` reads it at every
interpreter start-up (the process-wide switch, ``STILL_AS_ALEMBIC=1``: src/still/alembic_switch.py).

Both wheels get it: the regular one (the file is written beside the packages in ``build_lib``)
and the editable one ``pip install -e .`` builds (PEP 660), where setuptools does not copy
``build_lib`` into the wheel: there the file is written to the root of the wheel being assembled,
which setuptools hands to the ``install`` command as ``install_lib``.
tests/test_process_switch.py checks both installs.
"""

from __future__ import annotations

import os

from setuptools import setup
from setuptools.command.build_py import build_py

PTH_NAME = "still_as_alembic.pth"
# One line; site executes lines that start with "import".  Switched off, it costs one lookup in
# os.environ (already imported by site): still itself is not imported.
PTH_LINE = (
    'import os; os.environ.get("STILL_AS_ALEMBIC") '
    'and __import__("still.alembic_switch").alembic_switch.start()\n'
)


class BuildPyWithSwitch(build_py):
    """build_py that also writes still_as_alembic.pth at the root of the wheel."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            root = self.get_finalized_command("install").install_lib
        else:
            root = self.build_lib
        target = os.path.join(root, PTH_NAME)
        self.mkpath(root)
        if not self.dry_run:
            with open(target, "w", encoding="utf-8") as pth:
                pth.write(PTH_LINE)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not getattr(self, "editable_mode", False):
            outputs.append(os.path.join(self.build_lib, PTH_NAME))
        return outputs


setup(cmdclass={"build_py": BuildPyWithSwitch})
