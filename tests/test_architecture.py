"""The layering rules of README's architecture section, checked over the source with `ast`.

- `community.core` is the ground floor: it imports no feature.
- Features form layers and import only features below them (never admin or api, which sit on
  top), so there are no cycles between features; they react upwards through signals.
- Only `create_app` (community/__init__.py) imports a feature's views.
- Nothing but create_app imports what sits beside it (demo seeding, the schedule, health).
"""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "community"
#: Feature packages from the ground up: each may import only those before it.
LAYERS = ["core", "mail", "accounts", "sessions", "signups", "invites", "polls", "notes", "inbound", "audit"]
#: Packages on top: they may import every feature, and no feature imports them.
TOP = ["admin", "api"]
#: Infrastructure modules any layer may use.
INFRASTRUCTURE = {"db", "extensions", "queue", "config"}
#: Modules beside create_app that know every feature; only create_app imports them.
BESIDE_CREATE_APP = {"demo", "schedule", "health"}


def _module_name(path: Path) -> str:
    """`community.signups.services` for community/signups/services.py."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every `community.*` module a file imports, at any depth of the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("community"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "community":
                found.update(f"community.{a.name}" for a in node.names)
            elif node.module.startswith("community."):
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _edges() -> list[tuple[str, str, str]]:
    """(importing module, its top-level package, imported top-level package) for every import."""
    edges = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        parts = module.split(".")
        source = parts[1] if len(parts) > 1 else "__init__"
        for target in _imports(path):
            target_top = target.split(".")[1] if target.count(".") else "__init__"
            if target_top != source:
                edges.append((module, source, target_top))
    return edges


EDGES = _edges()


def test_the_rules_see_every_package():
    """A new package must be placed in the layers (or listed as infrastructure) to be checked."""
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert packages == set(LAYERS) | set(TOP), "place the new package in LAYERS or TOP"
    assert modules == INFRASTRUCTURE | BESIDE_CREATE_APP, "list the new module in the rules"


def test_core_imports_no_feature():
    """The ground floor stands on infrastructure only."""
    bad = [(m, t) for m, s, t in EDGES if s == "core" and t not in INFRASTRUCTURE]
    assert bad == []


@pytest.mark.parametrize("layer", LAYERS)
def test_a_feature_imports_only_the_layers_below_it(layer):
    """Features never import a feature above them, admin or api: no cycles between features."""
    allowed = set(LAYERS[:LAYERS.index(layer)]) | INFRASTRUCTURE
    bad = [(m, t) for m, s, t in EDGES if s == layer and t not in allowed]
    assert bad == [], f"{layer} may import only {sorted(allowed)}"


def test_admin_and_api_do_not_import_each_other():
    """The two top packages are independent."""
    assert [(m, t) for m, s, t in EDGES if s in TOP and t in TOP] == []


def test_only_create_app_imports_views_and_the_modules_beside_it():
    """Blueprints are registered in one place; nothing depends on demo data or the schedule."""
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        if module == "community":
            continue
        own_package = ".".join(module.split(".")[:2])
        for target in _imports(path):
            is_views = ".views" in target and not target.startswith(own_package + ".")
            beside = target.removeprefix("community.") in BESIDE_CREATE_APP
            if is_views or beside:
                bad.append((module, target))
    assert bad == []
