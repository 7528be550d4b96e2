"""``python -m bench.compare BEFORE.md AFTER.md``: is a change of still no slower?

Each report measured still beside Alembic in the same run, so the ratio ``still / Alembic`` of a
row is what compares across two runs made under different load: Alembic, unchanged, is the
yardstick.  A row is *slower* when its ratio grew by more than the tolerance (default 10 %, the
spread seen between two runs of the same tree); the exit code is 1 if any row is.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def ratios(report: Path) -> dict[tuple[str, str], float]:
    """``(work, size) -> still / Alembic`` from the *Results* table of a bench report."""
    found: dict[tuple[str, str], float] = {}
    header: list[str] | None = None
    for line in report.read_text().splitlines():
        if not line.startswith("|"):
            header = None if not line.strip() else header
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if "still / Alembic" in cells:
            header = cells
            continue
        if header is None or len(cells) != len(header) or set(cells[0]) <= {"-", ":", " "}:
            continue
        row = dict(zip(header, cells, strict=True))
        try:
            found[(row["work"], row["size"])] = float(row["still / Alembic"].replace(",", ""))
        except ValueError:
            continue  # a section heading row
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--tolerance", type=float, default=0.10, help="allowed growth (0.10)")
    args = parser.parse_args(argv)
    before, after = ratios(args.before), ratios(args.after)
    common = [key for key in before if key in after]
    if not common:
        print("FAILED: the two reports share no rows", file=sys.stderr)
        return 2
    slower = 0
    print(f"{'work':<70} {'size':>16} {'before':>7} {'after':>7} {'change':>7}")
    for key in common:
        change = after[key] / before[key] - 1 if before[key] else 0.0
        flag = " slower" if change > args.tolerance else ""
        slower += bool(flag)
        work, size = key
        numbers = f"{before[key]:>7.3f} {after[key]:>7.3f} {change:>+7.1%}"
        print(f"{work[:70]:<70} {size:>16} {numbers}{flag}")
    growth = sorted(after[k] / before[k] for k in common if before[k])
    median = growth[len(growth) // 2] - 1
    print(f"\n{len(common)} rows; median change of the ratio {median:+.1%}; ", end="")
    print(f"{slower} slower than +{args.tolerance:.0%}")
    return 1 if slower else 0


if __name__ == "__main__":
    sys.exit(main())
