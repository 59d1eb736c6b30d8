"""Lines of code per module and functions over a size limit, for the whole toolkit.

Run from the repository root:

    .venv/bin/python benchmarks/code_size.py [--limit 80] [--top 0] [PATH ...]

A *code line* is a line that holds part of a statement: blank lines, comment
lines and the lines of docstrings (module, class and function) do not count.
The lines come from Python's own tokenizer and parser (``tokenize`` and
``ast``), so a statement spread over several lines counts each of its lines.
A function's size is the code lines from its ``def`` to its last line,
including the code lines of functions nested in it (as a reader meets them);
each nested function is also listed on its own. Prints the code lines per
module (largest first, with the total) and every function over ``--limit``
code lines (default 80, the limit used in the project's refactoring issue).
"""

from __future__ import annotations

import argparse
import ast
import io
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def docstring_lines(tree: ast.AST) -> set[int]:
    """Line numbers taken by docstrings of the module, classes and functions."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                end = body[0].end_lineno or body[0].lineno
                out.update(range(body[0].lineno, end + 1))
    return out


def code_lines(source: str) -> tuple[set[int], ast.AST]:
    """Line numbers holding code (not blank, comment or docstring), and the parsed tree."""
    tree = ast.parse(source)
    lines: set[int] = set()
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    skip.add(tokenize.ENDMARKER)
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in skip:
            lines.update(range(tok.start[0], tok.end[0] + 1))
    return lines - docstring_lines(tree), tree


def measure(path: Path) -> tuple[int, list[tuple[str, int, int]]]:
    """Code lines of a module, and (qualified name, first line, code lines) per function."""
    lines, tree = code_lines(path.read_text(encoding="utf-8"))
    functions: list[tuple[str, int, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    first = min([d.lineno for d in child.decorator_list] + [child.lineno])
                    span = range(first, (child.end_lineno or child.lineno) + 1)
                    functions.append((name, child.lineno, len(lines.intersection(span))))
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return len(lines), functions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="*", default=["toolkit"])
    parser.add_argument("--limit", type=int, default=80, help="list functions over this size")
    parser.add_argument("--top", type=int, default=0, help="print only the N largest modules")
    args = parser.parse_args()
    files = sorted(
        p
        for arg in args.paths
        for p in ([Path(arg)] if Path(arg).is_file() else Path(arg).rglob("*.py"))
    )
    modules: list[tuple[int, str]] = []
    big: list[tuple[int, str]] = []
    for path in files:
        n, functions = measure(path)
        shown = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path
        modules.append((n, str(shown)))
        big += [
            (size, f"{shown}:{line} {name}") for name, line, size in functions if size > args.limit
        ]
    modules.sort(reverse=True)
    print(f"{'code lines':>10}  module")
    for n, name in modules[: args.top or None]:
        print(f"{n:>10}  {name}")
    print(f"{sum(n for n, _ in modules):>10}  total ({len(modules)} modules)")
    print(f"\nfunctions over {args.limit} code lines: {len(big)}")
    for size, name in sorted(big, reverse=True):
        print(f"{size:>10}  {name}")


if __name__ == "__main__":
    main()
