"""The dependency rules of docs/architecture.md, read from the source with `ast` (an import
inside a function counts too): no module imports another app's HTML or API views, and no app
imports one above it. Migrations are history and left out."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
APPS = [
    "psweb",
    "accounts",
    "outbox",
    "actions",
    "incidents",
    "investigations",
    "lexmaria",
    "indicators",
    "incident_stats",
    "complaints",
    "audits",
    "apitokens",
    "sso",
    "webhooks",
    "fhir_server",
    "oversight",
    "hsa",
    "devdata",
]
# What each app must never import (the apps above it, or beside it).
FORBIDDEN = {
    "actions": {"incidents", "investigations", "lexmaria", "indicators", "incident_stats", "devdata"},
    "incidents": {"investigations", "lexmaria", "indicators", "incident_stats", "devdata"},
    "investigations": {"lexmaria", "indicators", "incident_stats", "devdata"},
    "lexmaria": {"indicators", "incident_stats", "devdata"},
    "indicators": {"incidents", "investigations", "lexmaria", "actions", "incident_stats", "devdata"},
    "accounts": {"incidents", "investigations", "lexmaria", "actions", "indicators", "incident_stats", "devdata"},
    "outbox": {"incidents", "investigations", "lexmaria", "actions", "indicators", "incident_stats", "devdata"},
    "incident_stats": {"devdata"},
    "psweb": {"actions", "incidents", "investigations", "lexmaria", "indicators", "incident_stats", "devdata"},
    # API credentials know no case app (docs/architecture.md); the FHIR facade reads incidents
    # and actions as the REST API does, and nothing below it reads the facade.
    "apitokens": {"actions", "incidents", "investigations", "lexmaria", "indicators", "incident_stats", "devdata"},
    "fhir_server": {"investigations", "lexmaria", "indicators", "incident_stats", "devdata"},
    # Webhooks name the case models by label (webhooks/catalogue.py) and import no case app.
    "webhooks": {
        "actions",
        "incidents",
        "investigations",
        "lexmaria",
        "indicators",
        "incident_stats",
        "fhir_server",
        "devdata",
    },
}
for _below in ("psweb", "accounts", "outbox", "actions", "incidents", "investigations", "lexmaria", "indicators"):
    FORBIDDEN[_below] = FORBIDDEN[_below] | {"fhir_server"}
# Oversight agreements sit above incidents and lexmaria (they register read access there);
# nothing below them knows of them.
FORBIDDEN["oversight"] = {"indicators", "incident_stats", "fhir_server", "webhooks", "devdata"}
for _below in ("psweb", "accounts", "outbox", "actions", "incidents", "investigations", "lexmaria", "indicators"):
    FORBIDDEN[_below] = FORBIDDEN[_below] | {"oversight"}
# The outbox delivers webhook events through the sender webhooks registers; nothing below knows it.
for _below in ("psweb", "accounts", "outbox", "apitokens"):
    FORBIDDEN[_below] = FORBIDDEN[_below] | {"webhooks"}
# Single sign-on signs users in through accounts and psweb; no app imports it (settings and
# urls name it by string).
FORBIDDEN["sso"] = {app for app in APPS if app not in ("sso", "accounts", "psweb")}
for _app in APPS:
    if _app != "sso":
        FORBIDDEN[_app] = FORBIDDEN.get(_app, set()) | {"sso"}
# HSA provisioning writes through accounts' services; no app imports it (devdata's generated
# export is a file for it to read, not a call).
FORBIDDEN["hsa"] = {app for app in APPS if app not in ("hsa", "accounts", "psweb", "outbox")}
for _app in APPS:
    if _app != "hsa":
        FORBIDDEN[_app] = FORBIDDEN.get(_app, set()) | {"hsa"}
# Complaints (issue 17) sit above incidents, investigations, Lex Maria and indicators (they
# link incidents, request assessments and feed PN-SVAR); nothing below them knows of them.
FORBIDDEN["complaints"] = FORBIDDEN.get("complaints", set()) | {
    "incident_stats",
    "oversight",
    "fhir_server",
    "webhooks",
    "devdata",
}
for _below in (
    "psweb",
    "accounts",
    "outbox",
    "actions",
    "incidents",
    "investigations",
    "lexmaria",
    "indicators",
    "apitokens",
    "webhooks",
):
    FORBIDDEN[_below] = FORBIDDEN[_below] | {"complaints"}

# Egenkontroll (issue 18) writes actions and feeds indicators; it knows no incident or other
# case app, and no app below it knows of it.
FORBIDDEN["audits"] = {
    "incidents",
    "investigations",
    "lexmaria",
    "complaints",
    "incident_stats",
    "oversight",
    "fhir_server",
    "webhooks",
    "devdata",
}
for _below in (
    "psweb",
    "accounts",
    "outbox",
    "actions",
    "incidents",
    "investigations",
    "lexmaria",
    "indicators",
    "apitokens",
    "webhooks",
    "complaints",
):
    FORBIDDEN[_below] = FORBIDDEN[_below] | {"audits"}


def imports_of(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def modules(app: str) -> list[Path]:
    return [path for path in sorted((BASE / app).rglob("*.py")) if "migrations" not in path.parts]


def _is_views(module: str) -> bool:
    parts = module.split(".")
    return len(parts) > 1 and ("views" in parts[1:])


@pytest.mark.parametrize("app", APPS)
def test_no_module_imports_another_apps_views(app):
    offenders = [
        f"{path.relative_to(BASE)}:{line}: {module}"
        for path in modules(app)
        for line, module in imports_of(path)
        if module.split(".")[0] in APPS and module.split(".")[0] != app and _is_views(module)
    ]

    assert offenders == []


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_no_app_imports_one_above_it(app):
    offenders = [
        f"{path.relative_to(BASE)}:{line}: {module}"
        for path in modules(app)
        for line, module in imports_of(path)
        if module.split(".")[0] in FORBIDDEN[app]
    ]

    assert offenders == []


def test_the_check_sees_imports_inside_functions():
    source = "def f():\n    from lexmaria.views import incident_panel\n"
    tree_imports = [module for _, module in imports_of_source(source)]

    assert "lexmaria.views" in tree_imports and _is_views("lexmaria.views")


def imports_of_source(source: str) -> list[tuple[int, str]]:
    path = BASE / "var" / "architecture_probe.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text(source)
    try:
        return imports_of(path)
    finally:
        path.unlink()
