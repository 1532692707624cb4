"""devdata may import every app; no production module imports devdata (DESIGN.md §2).

Demo and load-generation code lives in `devdata/` so that production never depends on it:
a constant a production module needs lives in that module, and devdata imports it from there.
The check reads the source with `ast`, so an import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import get_commands

PRODUCTION_APPS = {"accounts", "incidents", "investigations", "lexmaria", "indicators", "outbox", "psweb"}


def devdata_imports(source: str) -> list[str]:
    """The `devdata` imports in `source`, as "line: module"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        found += [f"{node.lineno}: {module}" for module in modules if module.split(".")[0] == "devdata"]
    return found


def production_apps() -> set[str]:
    """The named production apps and every other app of this repository but devdata."""
    base = Path(settings.BASE_DIR).resolve()
    local = {config.name for config in apps.get_app_configs() if Path(config.path).resolve().parent == base}
    return (local | PRODUCTION_APPS) - {"devdata"}


def test_no_production_module_imports_devdata():
    base = Path(settings.BASE_DIR).resolve()
    offenders = []
    for app in sorted(production_apps()):
        files = sorted((base / app).rglob("*.py"))
        assert files, f"{app}/ has no Python files: is the app list out of date?"
        for path in files:
            offenders += [f"{path.relative_to(base)}:{hit}" for hit in devdata_imports(path.read_text())]

    assert offenders == [], "production code must not import devdata:\n" + "\n".join(offenders)


def test_the_check_sees_every_form_of_import():
    source = (
        "import devdata\n"
        "import os, devdata.load as load\n"
        "from devdata.demo import accounts\n"
        "def later():\n"
        "    from devdata import demo_time\n"
        "import devdatax\n"
        "from . import devdata\n"
    )

    assert devdata_imports(source) == ["1: devdata", "2: devdata.load", "3: devdata.demo", "5: devdata"]


def test_the_demo_commands_come_from_devdata():
    commands = get_commands()

    assert commands["seed_demo"] == "devdata"
    assert commands["generate_load"] == "devdata"
    assert commands["restore_drill"] == "psweb"
