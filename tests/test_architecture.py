"""The floor plan, read from the code: every import of every module runs one way (docs/architecture.md), and the
merged access policy is one table a reader can print.

Layers, lowest first: plumbing modules, the access core, the web and search plumbing, the domains in the order they
build on each other, and the top level (create_app, commands about the whole instance, the demo, backups). A module
may import its own package and anything below its layer, never above.
"""

import ast
from pathlib import Path

import crowdspirit

PACKAGE = Path(crowdspirit.__file__).parent
#: the layers, lowest first; a name is a module or package right under crowdspirit/
LAYERS = [
    ["extensions", "config", "errors", "visibility", "requestcache", "signals", "text", "commands", "memo"],
    ["database", "background", "mail", "stamps"],
    ["clock", "lifecycle", "events", "notices"],
    ["access"],
    ["web"],
    ["search"],
    ["ops"],
    # the domains, each building on those before it
    ["accounts"], ["audit"], ["ledger"], ["projects"], ["pipeline"], ["attachments"], ["specs"], ["forum"],
    ["notifications"], ["rnd"], ["contests"], ["karma"], ["home"], ["api"],
    ["cli", "demo", "backup", "gunicorn_conf", "__init__"],
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
DOMAINS = {name for names in LAYERS[7:-1] for name in names}
PLUMBING = {"web", "search", "ops"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports():
    """(importing module, imported module, line) for every import of crowdspirit's own code (`if TYPE_CHECKING`
    blocks included: a type is a dependency too)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
                target = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module
                names = [f"{target}.{alias.name}" for alias in node.names] if node.module is None else [target]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name == "crowdspirit" or name.startswith("crowdspirit."):
                    yield module, name, node.lineno


def top(module: str) -> str:
    """The layer name of a module: the package or module right under crowdspirit ("__init__" for the package)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def kind(module: str) -> str:
    """models, services, views (pages and socket handlers) or other, from the module's name."""
    last = module.rpartition(".")[2]
    if last == "models":
        return "models"
    if last == "views" or last.endswith("_views") or (last == "events" and module.count(".") >= 2):  # socket handlers
        return "views"
    return "other"


def test_every_module_has_a_layer():
    """A new package or top-level module must be placed in LAYERS (and in docs/architecture.md)."""
    names = {path.stem if path.suffix else path.name for path in PACKAGE.iterdir()
             if path.suffix == ".py" or (path / "__init__.py").exists()}
    assert sorted(names - RANK.keys()) == []


def test_imports_run_downhill():
    """No module imports one of a higher layer: no import loops between packages, the core knows no domain."""
    uphill = [f"{importer}:{line} imports {imported}" for importer, imported, line in imports()
              if RANK[top(imported)] > RANK[top(importer)]]
    print(f"{len(uphill)} uphill imports")
    assert uphill == []


def test_layer_rules():
    """Models import no service, policy or view; access and the web, search and ops plumbing import no domain;
    services import no view; views of one domain are never imported by another."""
    broken = []
    for importer, imported, line in imports():
        where = f"{importer}:{line} imports {imported}"
        if kind(importer) == "models" and (kind(imported) != "models" and top(imported) in DOMAINS
                                           or top(imported) == "access" or kind(imported) == "views"):
            broken.append(f"a model: {where}")
        if top(importer) in {"access"} | PLUMBING and top(imported) in DOMAINS:
            broken.append(f"plumbing knows a domain: {where}")
        if kind(imported) == "views" and importer != f"crowdspirit.{top(imported)}" and (
                kind(importer) != "views" or top(importer) != top(imported)):
            broken.append(f"a view imported by a service or another domain (only its package's init_app may): {where}")
    assert broken == []


def test_the_merged_policy_prints_as_one_table(app):
    """`flask crowdspirit rules` lists every action once, with the rule deciding it and the refusal text."""
    result = app.test_cli_runner().invoke(args=["crowdspirit", "rules"])
    print(result.output)
    assert result.exit_code == 0, result.output
    actions = [line.split()[0] for line in result.output.splitlines() if line and not line.startswith(" ")]
    assert len(actions) == len(set(actions)) > 60
    assert "idea.view" in actions and "workspace.view" in actions and "entry.original" in actions
    assert "pipeline.rules.idea_visible (visitors too, reads)" in result.output
    assert "refused: Only the project owner can publish its NDA." in result.output
