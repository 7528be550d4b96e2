"""`still shadow clean` asks the system whether a working database's process is gone: POSIX's
``kill(pid, 0)`` (the real one, here) and Windows' ``OpenProcess`` / ``GetExitCodeProcess``
(a stand-in for kernel32 that answers as Windows does, since the suite runs on Linux)."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys

import pytest

from still.shadow import names

# What Windows answers: OpenProcess gives 0 and sets the last error when it cannot open a process;
# GetExitCodeProcess writes 259 (STILL_ACTIVE) for one that runs.
NO_SUCH_PROCESS, ACCESS_DENIED, STILL_ACTIVE = 87, 5, 259


class Kernel32:
    """A stand-in for ``ctypes.windll.kernel32`` holding a table of processes: pid -> exit code
    (259 while running), or ``"denied"`` for one another user owns."""

    def __init__(self, processes: dict[int, int | str], exit_code_fails: bool = False) -> None:
        self.processes = processes
        self.exit_code_fails = exit_code_fails
        self.error = 0
        self.opened: list[int] = []
        self.closed: list[int] = []

    def OpenProcess(self, access: int, inherit: bool, pid: int) -> int:
        assert access == 0x1000 and inherit is False  # PROCESS_QUERY_LIMITED_INFORMATION
        state = self.processes.get(pid)
        if state is None:
            self.error = NO_SUCH_PROCESS
            return 0
        if state == "denied":
            self.error = ACCESS_DENIED
            return 0
        self.opened.append(pid)
        return 1000 + pid

    def GetLastError(self) -> int:
        return self.error

    def GetExitCodeProcess(self, handle: int, code: object) -> int:
        if self.exit_code_fails:
            return 0
        target = ctypes.cast(code, ctypes.POINTER(ctypes.c_ulong)).contents
        target.value = int(self.processes[handle - 1000])
        return 1

    def CloseHandle(self, handle: int) -> int:
        self.closed.append(handle)
        return 1


@pytest.mark.parametrize(
    ("processes", "running"),
    [
        ({}, False),  # no process has the id: gone
        ({42: 0}, False),  # exited with 0
        ({42: 3}, False),  # exited with an error
        ({42: STILL_ACTIVE}, True),
        ({42: "denied"}, True),  # another user's process: it runs
    ],
)
def test_windows_answers(processes: dict[int, int | str], running: bool) -> None:
    kernel32 = Kernel32(processes)
    assert names.windows_process_running(42, kernel32) is running
    assert kernel32.closed == [1000 + pid for pid in kernel32.opened]  # every handle closed


def test_windows_keeps_the_database_when_the_exit_code_cannot_be_read() -> None:
    kernel32 = Kernel32({42: 0}, exit_code_fails=True)
    assert names.windows_process_running(42, kernel32) is True
    assert kernel32.closed == [1042]


def test_clean_on_windows_judges_by_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """`abandoned` on Windows: this machine's database of a gone process is left behind; one
    whose process runs, or another machine's, is not."""

    class Windll:
        kernel32 = Kernel32({4242: STILL_ACTIVE, 4343: 1})

    monkeypatch.setattr(os, "name", "nt")
    monkeypatch.setattr(ctypes, "windll", Windll(), raising=False)
    tag = names.machine_tag()
    other = "00000000" if tag != "00000000" else "11111111"
    assert names.abandoned(f"still_shadow_m{tag}_4343_abcdef")  # exited
    assert names.abandoned(f"still_shadow_m{tag}_999999_abcdef")  # no such process
    assert not names.abandoned(f"still_shadow_m{tag}_4242_abcdef")  # running
    assert not names.abandoned(f"still_shadow_m{other}_4343_abcdef")  # another machine's
    assert not names.abandoned(f"still_shadow_m{tag}_{os.getpid()}_abcdef")  # this process


def test_posix_answers_for_real_processes() -> None:
    if os.name != "posix":
        pytest.skip("POSIX's kill(pid, 0) is tested where it exists")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert names.is_running(child.pid)
    finally:
        child.kill()
        child.wait()
    assert not names.is_running(child.pid)  # reaped: no process has the id
    assert names.is_running(os.getpid())


def test_elsewhere_nothing_is_taken_for_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "name", "java")
    assert names.is_running(999999999)
