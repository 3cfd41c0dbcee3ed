"""Summary of a mutmut run (called by scripts/mutate.sh): per module, the mutants tested, killed and
surviving, the survivors split into those that only change the text of a message (a French
sentence, a log line: worth a test only where the exact words matter) and those that change what
the code does (a rule the tests do not pin down), and the logic survivors per function.

Reads ``mutmut results --all true`` on stdin and the mutated sources under ``mutants/``.
Prints JSON with ``--json``.
"""

from __future__ import annotations

import ast
import collections
import json
import re
import sys
from pathlib import Path

LINE = re.compile(r"^\s*(?P<name>[\w.]+__mutmut_\d+): (?P<status>[\w ]+)$")


class _Blank(ast.NodeTransformer):
    """Every string constant made empty: two functions equal after this differ only in text."""

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str):
            return ast.copy_location(ast.Constant(value=""), node)
        return node


def _functions(path: Path) -> dict[str, str]:
    """Function name → its source with every string blanked, for the mutants of one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and "__mutmut_" in node.name:
            blank = _Blank().visit(ast.parse(ast.unparse(node)))
            body = blank.body[0]
            assert isinstance(body, (ast.FunctionDef, ast.AsyncFunctionDef))
            body.name = ""
            out[node.name] = ast.unparse(body)
    return out


def main() -> None:
    results: dict[str, str] = {}
    for line in sys.stdin:
        m = LINE.match(line)
        if m:
            results[m["name"]] = m["status"].strip()
    sources: dict[str, dict[str, str]] = {}
    summary: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    logic: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for name, status in sorted(results.items()):
        module, _, func = name.rpartition(".")
        counts = summary[module]
        counts[status] += 1
        if status != "survived":
            continue
        if module not in sources:
            path = Path("mutants") / (module.replace(".", "/") + ".py")
            sources[module] = _functions(path) if path.exists() else {}
        functions = sources[module]
        base = func.rsplit("__mutmut_", 1)[0]
        mutant, orig = functions.get(func), functions.get(base + "__mutmut_orig")
        if mutant is not None and orig is not None and mutant == orig:
            counts["survived: text only"] += 1
        else:
            counts["survived: logic"] += 1
            logic[module][base.removeprefix("x_").removeprefix("xǁ")] += 1
    report = {
        module: {
            "mutants": sum(v for k, v in counts.items() if not k.startswith("survived:")),
            **dict(sorted(counts.items())),
            "logic survivors by function": dict(logic[module].most_common()),
        }
        for module, counts in sorted(summary.items())
    }
    if "--json" in sys.argv:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for module, data in report.items():
        print(f"{module}:")
        for key, value in data.items():
            if key != "logic survivors by function":
                print(f"  {key:<22} {value}")
        top = ", ".join(f"{f} {n}" for f, n in data["logic survivors by function"].items())
        print(f"  logic survivors by function: {top or 'none'}")


if __name__ == "__main__":
    main()
