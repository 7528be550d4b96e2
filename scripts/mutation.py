"""A small mutation tester: change one thing in a module, run the tests that cover it, and count
the changes no test notices (survivors).

    python scripts/mutation.py GROUP [--sample N] [--seed S] [--workers W] [--only FILE:LINE]

Each group names the modules mutated and the tests run against each mutant (with ``-x``: the
first failure kills it).  Mutants are made on the syntax tree of one scratch copy of ``src/``
and ``tests/`` per worker (never in the working tree): comparisons flipped (``==``/``!=``,
``<``/``<=``, ``in``/``not in``, ``is``/``is not``), ``and``/``or`` swapped, ``not`` dropped,
``True``/``False`` swapped, numbers moved by one, ``+``/``-`` swapped, ``break``/``continue``
swapped, a returned value replaced by ``None``, and a statement (call, assignment, raise,
``continue``) removed.  Strings and docstrings are left alone (messages are the tests' to check,
and a changed word is rarely a behaviour).  ``--sample`` draws that many mutants (seeded) when a
group has more than the time allows; the report says how many were drawn.
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

GROUPS: dict[str, tuple[list[str], list[str]]] = {
    "graph": (
        [
            "src/still/graph/graph.py",
            "src/still/graph/identifiers.py",
            "src/still/graph/plan.py",
            "src/still/graph/revision.py",
        ],
        [
            "tests/test_graph.py",
            "tests/test_plan_properties.py",
            "tests/test_graph_properties.py",
            "tests/test_branches.py",
        ],
    ),
    "version_table": (
        ["src/still/runtime/version_table.py"],
        ["tests/test_version_table_online.py", "tests/test_offline_sql.py"],
    ),
    "autogenerate": (
        [
            f"src/still/autogenerate/{name}.py"
            for name in (
                "columns",
                "compare_types",
                "defaults",
                "indexes",
                "foreign_keys",
                "checks",
                "tables",
                "enums",
            )
        ],
        [
            "tests/test_autogenerate.py",
            "tests/test_autogenerate_alembic.py",
            "tests/test_autogenerate_gaps.py",
        ],
    ),
}

_FLIP = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}


@dataclass(frozen=True)
class Mutant:
    file: str
    index: int  # the n-th mutation point of the file
    line: int
    what: str


def _docstring(node: ast.AST) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


class _Points(ast.NodeVisitor):
    """Every mutation point of a module, in a fixed order: (node, kind, description)."""

    def __init__(self) -> None:
        self.points: list[tuple[ast.AST, str, str]] = []
        self._annotation = 0

    def add(self, node: ast.AST, kind: str, what: str) -> None:
        if not self._annotation:
            self.points.append((node, kind, what))

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._annotation += 1
        self.visit(node.annotation)
        self._annotation -= 1
        if node.value is not None:
            self.visit(node.value)

    def visit_arg(self, node: ast.arg) -> None:
        return  # annotations

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._body(node.body)
        for statement in node.body:
            self.visit(statement)
        for default in node.args.defaults + [d for d in node.args.kw_defaults if d]:
            self.visit(default)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Compare(self, node: ast.Compare) -> None:
        for i, op in enumerate(node.ops):
            if type(op) in _FLIP:
                self.add(node, f"compare:{i}", f"{type(op).__name__} -> {_FLIP[type(op)].__name__}")
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        self.add(node, "boolop", "and <-> or")
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self.add(node, "not", "not dropped")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, bool):
            self.add(node, "bool", f"{node.value} -> {not node.value}")
        elif isinstance(node.value, int):
            self.add(node, "int", f"{node.value} -> {node.value + 1}")

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, (ast.Add, ast.Sub)):
            self.add(node, "binop", "+ <-> -")
        self.generic_visit(node)

    def visit_Break(self, node: ast.Break) -> None:
        self.add(node, "break", "break -> continue")

    def visit_Continue(self, node: ast.Continue) -> None:
        self.add(node, "continue", "continue -> break")

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None
        ):
            self.add(node, "return", "returns None")
        self.generic_visit(node)

    def _body(self, body: list[ast.stmt]) -> None:
        for statement in body:
            if (
                len(body) > 1
                and not _docstring(statement)
                and isinstance(
                    statement, (ast.Expr, ast.Assign, ast.AugAssign, ast.Raise, ast.Continue)
                )
            ):
                self.add(statement, "delete", f"{type(statement).__name__} removed")

    def generic_visit(self, node: ast.AST) -> None:
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                self._body(body)
        super().generic_visit(node)


def _points(tree: ast.Module) -> list[tuple[ast.AST, str, str]]:
    finder = _Points()
    finder.generic_visit(tree)
    return finder.points


def mutants_of(file: str) -> list[Mutant]:
    tree = ast.parse(source_of(file))
    return [
        Mutant(file, i, getattr(node, "lineno", 0), what)
        for i, (node, _, what) in enumerate(_points(tree))
    ]


class _Apply(ast.NodeTransformer):
    def __init__(self, target: ast.AST, kind: str) -> None:
        self.target, self.kind = target, kind

    def visit(self, node: ast.AST) -> ast.AST | None:
        if node is not self.target:
            return super().visit(node)
        kind = self.kind
        if kind.startswith("compare:"):
            assert isinstance(node, ast.Compare)
            i = int(kind.split(":")[1])
            node.ops[i] = _FLIP[type(node.ops[i])]()
            return node
        if kind == "boolop":
            assert isinstance(node, ast.BoolOp)
            node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            return node
        if kind == "not":
            assert isinstance(node, ast.UnaryOp)
            return node.operand
        if kind == "bool":
            assert isinstance(node, ast.Constant)
            return ast.Constant(not node.value)
        if kind == "int":
            assert isinstance(node, ast.Constant)
            return ast.Constant(node.value + 1)
        if kind == "binop":
            assert isinstance(node, ast.BinOp)
            node.op = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
            return node
        if kind == "break":
            return ast.Continue()
        if kind == "continue":
            return ast.Break()
        if kind == "return":
            return ast.Return(ast.Constant(None))
        if kind == "delete":
            return ast.Pass()
        raise ValueError(kind)


# The sources as they were when the run began: the working tree may change during a long run
# (a merge), and the mutants' indexes refer to these.
_SOURCES: dict[str, str] = {}


def source_of(file: str) -> str:
    if file not in _SOURCES:
        _SOURCES[file] = (ROOT / file).read_text()
    return _SOURCES[file]


def mutated_source(mutant: Mutant) -> str:
    tree = ast.parse(source_of(mutant.file))
    node, kind, _ = _points(tree)[mutant.index]
    tree = _Apply(node, kind).visit(tree)
    ast.fix_missing_locations(tree)
    return ast.unparse(tree)


def _scratch(worker: int) -> Path:
    place = Path(os.environ.get("MUTATION_DIR", "/tmp/still-mutation")) / f"w{worker}"
    if place.exists():
        shutil.rmtree(place)
    place.mkdir(parents=True)
    for item in ("src", "tests", "pyproject.toml", "docs", "mkdocs.yml", "mkdocs_hooks.py"):
        source = ROOT / item
        if source.is_dir():
            shutil.copytree(source, place / item, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy(source, place / item)
    return place


def run_tests(
    place: Path, tests: list[str], timeout: float, select: str | None = None
) -> tuple[bool, float]:
    """True when the tests fail (the mutant is killed)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = f"{place / 'src'}{os.pathsep}{place}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["STILL_NO_CACHE"] = "1"
    started = time.monotonic()
    try:
        done = subprocess.run(
            [
                *(sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"),
                *(["-k", select] if select else []),
                *tests,
            ],
            cwd=place,
            env=env,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return True, time.monotonic() - started  # a mutant that hangs is noticed
    return done.returncode != 0, time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("group", choices=sorted(GROUPS))
    parser.add_argument("--sample", type=int, default=0, help="mutants to draw (0: all)")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--only", help="FILE:INDEX of one mutant, to look at it")
    parser.add_argument("--mutants", help="FILE:INDEX,... to run only these (survivors, again)")
    parser.add_argument("--select", help="pytest -k expression, to run a faster subset")
    parser.add_argument(
        "--no-baseline", action="store_true", help="trust the tests pass as they are"
    )
    args = parser.parse_args(argv)
    files, tests = GROUPS[args.group]
    every = [m for file in files for m in mutants_of(file)]
    chosen = every
    if args.only:
        file, index = args.only.rsplit(":", 1)
        chosen = [m for m in every if m.file == file and m.index == int(index)]
        print(mutated_source(chosen[0]))
        return 0
    if args.mutants:
        wanted = {tuple(item.rsplit(":", 1)) for item in args.mutants.split(",")}
        chosen = [m for m in every if (m.file, str(m.index)) in wanted]
    elif args.sample and args.sample < len(every):
        chosen = sorted(
            random.Random(args.seed).sample(every, args.sample), key=lambda m: (m.file, m.index)
        )
    print(f"{args.group}: {len(every)} mutants, {len(chosen)} run against {' '.join(tests)}")
    places = [_scratch(w) for w in range(args.workers)]
    baseline, seconds = (
        (False, 0.0) if args.no_baseline else run_tests(places[0], tests, args.timeout, args.select)
    )
    if baseline:
        print("the tests fail without any mutant: fix them first")
        return 2
    print(f"baseline: the tests pass in {seconds:.0f} s")
    free = list(places)

    def one(mutant: Mutant) -> tuple[Mutant, bool, float]:
        place = free.pop()
        target = place / mutant.file
        original = target.read_text()
        try:
            target.write_text(mutated_source(mutant))
            killed, took = run_tests(place, tests, args.timeout, args.select)
        finally:
            target.write_text(original)
            free.append(place)
        return mutant, killed, took

    survivors: list[Mutant] = []
    killed_count = 0
    with ThreadPoolExecutor(args.workers) as pool:
        for mutant, killed, took in pool.map(one, chosen):
            killed_count += killed
            if not killed:
                survivors.append(mutant)
            mark = "killed " if killed else "SURVIVED"
            print(
                f"{mark} {mutant.file}:{mutant.line} #{mutant.index} {mutant.what} ({took:.0f} s)",
                flush=True,
            )
    total = len(chosen)
    score = 100.0 * killed_count / total if total else 100.0
    print(f"\n{args.group}: {killed_count}/{total} killed = {score:.1f}%")
    for mutant in survivors:
        print(f"  survivor {mutant.file}:{mutant.line} #{mutant.index} {mutant.what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
