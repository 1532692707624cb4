"""`indicators` stands on `accounts` alone (DESIGN.md §2): the incident statistics, which read
incidents and Lex Maria, live in `incident_stats`. The check reads the source with `ast`, so an
import inside a function counts too; migrations are history and are left out."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

FORBIDDEN = {"incidents", "investigations", "lexmaria", "incident_stats"}


def _imports(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_indicators_imports_no_app_above_it():
    base = Path(settings.BASE_DIR)
    offenders = [
        f"{path.relative_to(base)}:{line}: {module}"
        for path in sorted((base / "indicators").rglob("*.py"))
        if "migrations" not in path.parts
        for line, module in _imports(path.read_text())
        if module.split(".")[0] in FORBIDDEN
    ]

    assert offenders == []
