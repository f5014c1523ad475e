"""Regenerate the lazy ``__init__.py`` of each planning package from the public names of its modules.

Run ``python scripts/mkinit.py`` from the repository root after adding, moving or renaming a public function,
class or constant in planning/data, plans, capacity or compensation.  The docstring's opening paragraphs are kept;
the "Public names, by module" list and the name → module table are rewritten.  ``--check`` only reports drift
(tests/test_architecture.py runs it).
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("planning/data", "planning/plans", "planning/capacity", "planning/compensation", "planning/reporting",
            "planning/territories", "planning/changes")
MARK = "Public names, by module"

BODY = '''from __future__ import annotations

from planning.lazy import lazy_exports

_PUBLIC = {
%s}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
'''


def public_names(module: Path) -> list[str]:
    """Top-level functions, classes and assignments not starting with an underscore (imports do not count)."""
    out = []
    for n in ast.parse(module.read_text(encoding="utf-8")).body:
        if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_"):
            out.append(n.name)
        elif isinstance(n, (ast.Assign, ast.AnnAssign)):
            for tg in n.targets if isinstance(n, ast.Assign) else [n.target]:
                if isinstance(tg, ast.Name) and not tg.id.startswith("_"):
                    out.append(tg.id)
    return out


def table(package: Path) -> dict[str, str]:
    """name → module for every public name of the package's modules; a name defined twice is an error."""
    names: dict[str, str] = {}
    for m in sorted(package.glob("*.py")):
        if m.name == "__init__.py":
            continue
        for n in public_names(m):
            if n in names:
                raise SystemExit(f"{package.as_posix()}: {n} is defined in both {names[n]} and {m.stem}")
            names[n] = m.stem
    return names


def _wrap(line: str, width: int = 118) -> list[str]:
    out = []
    while len(line) > width and ", " in line[:width - 1]:
        cut = line.rfind(", ", 0, width - 1)
        out.append(line[:cut + 1])
        line = "  " + line[cut + 2:]
    return out + [line]


def render(package: Path) -> str:
    init = package / "__init__.py"
    head = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")), clean=False) or ""
    head = head.split(MARK)[0].rstrip()
    names = table(package)
    by_module: dict[str, list[str]] = {}
    for n, m in names.items():
        by_module.setdefault(m, []).append(n)
    lines = [f'"""{head}', "", f"{MARK} (import them from this package; they load on first use):"]
    for m in sorted(by_module):
        lines += _wrap(f"- ``{m}``: " + ", ".join(sorted(by_module[m], key=str.lower)))
    lines.append('"""')
    return "\n".join(lines) + "\n" + BODY % "".join(f'    "{n}": "{names[n]}",\n' for n in sorted(names))


def main(argv: list[str]) -> int:
    stale = []
    for rel in PACKAGES:
        package = ROOT / rel
        text = render(package)
        if (package / "__init__.py").read_text(encoding="utf-8") != text:
            stale.append(rel)
            if "--check" not in argv:
                (package / "__init__.py").write_text(text, encoding="utf-8")
    if stale:
        print(("stale: " if "--check" in argv else "rewrote: ") + ", ".join(stale))
    return 1 if stale and "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
