"""Layers, enforced like the route-access rule (tests/web/test_access.py): each checker runs on the
real source and is shown to catch a violation in a throwaway package written to tmp_path.

- `sampling/` (the SSJ-DRAW-1 core) imports nothing else from spotcheck;
- only view, API and CLI modules import `spotcheck.web`;
- the domain packages have no import cycles among themselves;
- every audit action the code records has a Chinese label.

Every import counts, also one inside a function or under TYPE_CHECKING: a cycle hidden in a
function is still a cycle.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import spotcheck
from spotcheck.app import create_app
from spotcheck.audit.labels import ACTION_LABELS
from spotcheck.channels import exports as channel_exports
from spotcheck.config import Settings
from spotcheck.plans.models import STEP_LABELS
from spotcheck.workflow.machine import MACHINES

SRC = Path(spotcheck.__file__).resolve().parent
# View, API and CLI modules: the surfaces that may import the web layer and any domain.
SURFACE_NAME = re.compile(r"^(views.*|view_.*|.*_views|api|cli.*|.*_cli|app)$")
SURFACE_PACKAGES = {"web", "api"}


@dataclass(frozen=True)
class Module:
    """One module of the package: its dotted name, file, and whether it is a package."""

    name: str
    path: Path
    is_package: bool

    @property
    def parts(self) -> list[str]:
        """The dotted name's parts, the top package first."""
        return self.name.split(".")


def modules(root: Path) -> Iterator[Module]:
    """Every module under the package directory `root` (its name is the top package)."""
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent).with_suffix("").parts
        package = relative[-1] == "__init__"
        parts = relative[:-1] if package else relative
        yield Module(".".join(parts), path, package)


def imports(module: Module) -> Iterator[tuple[str, int]]:
    """(imported dotted name, line) for every import anywhere in the module, relative resolved.

    `from a.b import c` yields `a.b.c`: c may be a module or a name, prefixes tell both apart.
    """
    here = module.parts if module.is_package else module.parts[:-1]
    for node in ast.walk(ast.parse(module.path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                yield f"{source}.{alias.name}", node.lineno


def is_surface(module: Module) -> bool:
    """Views, API and CLI modules (and the app): names views*, view_*, *_views, api, cli*, app."""
    rest = module.parts[1:]
    if not rest:
        return False
    return rest[0] in SURFACE_PACKAGES or SURFACE_NAME.match(rest[-1]) is not None


def within(name: str, prefix: str) -> bool:
    """Whether the dotted name is `prefix` or below it."""
    return name == prefix or name.startswith(prefix + ".")


def foreign_imports_of_core(root: Path, core: str) -> list[str]:
    """Imports by modules of `<top>.<core>` of anything else from the top package."""
    top = root.name
    found = []
    for module in modules(root):
        if not within(module.name, f"{top}.{core}"):
            continue
        for name, line in imports(module):
            if within(name, top) and not within(name, f"{top}.{core}"):
                found.append(f"{module.name}:{line} imports {name}")
    return found


def web_imports_outside_surfaces(root: Path) -> list[str]:
    """Imports of `<top>.web` by modules that are not views, API or CLI."""
    top = root.name
    found = []
    for module in modules(root):
        if is_surface(module):
            continue
        for name, line in imports(module):
            if within(name, f"{top}.web"):
                found.append(f"{module.name}:{line} imports {name}")
    return found


def node_of(name: str, root: Path) -> str | None:
    """The graph node of a dotted name: its top-level package, or `<package>.models` for the
    tables (the schema layer other domains may read without depending on the domain's code), or
    `<package>.access` for its role sets and visibility rules (read by the surfaces)."""
    parts = name.split(".")
    if len(parts) < 2 or not (root / parts[1] / "__init__.py").exists():
        return None
    if parts[1] in SURFACE_PACKAGES:
        return None
    if len(parts) > 2 and parts[2] in ("models", "access"):
        return f"{parts[1]}.{parts[2]}"
    return parts[1]


def domain_graph(root: Path) -> dict[str, dict[str, list[str]]]:
    """node → imported node → where, from every import of every non-surface module."""
    graph: dict[str, dict[str, list[str]]] = {}
    for module in modules(root):
        source = node_of(module.name, root)
        if source is None or is_surface(module):
            continue
        edges = graph.setdefault(source, {})
        for name, line in imports(module):
            target = node_of(name, root) if within(name, root.name) else None
            if target is not None and target != source:
                edges.setdefault(target, []).append(f"{module.name}:{line}")
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def described(graph: dict[str, dict[str, list[str]]], component: list[str]) -> list[str]:
    """The edges inside a cycle, with where each import is, for the failure message."""
    return [
        f"{a} -> {b} ({', '.join(graph[a][b])})"
        for a in component
        for b in sorted(graph.get(a, {}))
        if b in component
    ]


def models_importing_code(root: Path) -> list[str]:
    """Imports by a `models` module of another package's code (anything but its models)."""
    found = []
    for module in modules(root):
        if module.parts[-1] != "models":
            continue
        for name, line in imports(module):
            target = node_of(name, root) if within(name, root.name) else None
            if target is not None and not target.endswith(".models"):
                found.append(f"{module.name}:{line} imports {name}")
    return found


# Placeholders of f-string actions that no local assignment decides: the values each stands for,
# taken from the domain's own list of what it does.
PLACEHOLDERS = {"plan.{}": tuple(STEP_LABELS)}


@dataclass
class Actions:
    """Audit actions found in the code, and calls whose action could not be resolved."""

    found: dict[str, list[str]]
    unresolved: list[str]


def _audit_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Local names of the audit service module and of its `record` function."""
    modules_, functions = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "spotcheck.audit":
            modules_ |= {a.asname or a.name for a in node.names if a.name == "service"}
        elif isinstance(node, ast.ImportFrom) and node.module == "spotcheck.audit.service":
            functions |= {a.asname or a.name for a in node.names if a.name == "record"}
        elif isinstance(node, ast.Import):
            modules_ |= {a.asname for a in node.names if a.name == "spotcheck.audit.service"} - {
                None
            }
    return modules_, functions


def _constants(node: ast.AST) -> set[str]:
    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def _resolve(expr: ast.expr, tree: ast.Module, scope: ast.AST | None) -> tuple[set[str], list[str]]:
    """The action strings an expression can be, and the parts that could not be resolved."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}, []
    if isinstance(expr, ast.IfExp):
        a, ua = _resolve(expr.body, tree, scope)
        b, ub = _resolve(expr.orelse, tree, scope)
        return a | b, ua + ub
    if isinstance(expr, ast.JoinedStr):
        pattern = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in expr.values)
        holes = [v for v in expr.values if isinstance(v, ast.FormattedValue)]
        if len(holes) == 1 and isinstance(holes[0].value, ast.Name) and scope is not None:
            name = holes[0].value.id
            assigned: set[str] = set()
            for node in ast.walk(scope):
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == name for t in node.targets
                ):
                    assigned |= _constants(node.value)
            if assigned:
                return {pattern.replace("{}", v) for v in assigned}, []
        if pattern in PLACEHOLDERS:
            return {pattern.replace("{}", v) for v in PLACEHOLDERS[pattern]}, []
        return set(), [ast.unparse(expr)]
    # A module-level table of actions, read by key or with .get(key, default).
    table = expr.value if isinstance(expr, ast.Subscript) else None
    default: ast.expr | None = None
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "get"
    ):
        table = expr.func.value
        default = expr.args[1] if len(expr.args) > 1 else None
    if isinstance(table, ast.Name):
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == table.id for t in node.targets)
                and isinstance(node.value, ast.Dict)
            ):
                values = {v for d in node.value.values for v in _constants(d)}
                if default is None:
                    return values, []
                more, unresolved = _resolve(default, tree, scope)
                return values | more, unresolved
    return set(), [ast.unparse(expr)]


def recorded_actions(root: Path) -> Actions:
    """Every action passed to the audit service's record(), by where it is recorded."""
    result = Actions({}, [])
    for module in modules(root):
        tree = ast.parse(module.path.read_text(encoding="utf-8"))
        service_names, record_names = _audit_names(tree)
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            audit_call = (
                isinstance(func, ast.Attribute)
                and func.attr == "record"
                and isinstance(func.value, ast.Name)
                and func.value.id in service_names
            ) or (isinstance(func, ast.Name) and func.id in record_names)
            if not audit_call:
                continue
            action = node.args[2] if len(node.args) > 2 else None
            action = next((k.value for k in node.keywords if k.arg == "action"), action)
            where = f"{module.name}:{node.lineno}"
            if action is None:
                result.unresolved.append(f"{where}: no action")
                continue
            enclosing = [f for f in functions if f.lineno <= node.lineno <= (f.end_lineno or 0)]
            scope = max(enclosing, key=lambda f: f.lineno, default=None)  # the innermost
            values, unresolved = _resolve(action, tree, scope)
            for value in values:
                result.found.setdefault(value, []).append(where)
            result.unresolved += [f"{where}: {u}" for u in unresolved]
    return result


def _write(root: Path, files: dict[str, str]) -> Path:
    """A throwaway package `spotcheck` under `root`; returns the package directory."""
    package = root / "spotcheck"
    for relative, text in files.items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in [path.parent, *path.parent.parents]:
            if parent == root:
                break
            (parent / "__init__.py").touch()
        path.write_text(text, encoding="utf-8")
    return package


# ---------------------------------------------------------------- (a) the sampling core


def test_it_keeps_the_sampling_core_free_of_other_spotcheck_imports() -> None:
    assert foreign_imports_of_core(SRC, "sampling") == []


def test_it_catches_a_sampling_module_importing_spotcheck(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "sampling/pure.py": "from . import other\nfrom .other import x\n",
            "sampling/other.py": "x = 1\n",
            "sampling/absolute.py": "def f():\n    from spotcheck.db import Base\n",
            "sampling/relative.py": "from ..errors import DomainError\n",
            "sampling/sub/deep.py": "from ...plans import models\n",
            "errors.py": "",
            "db.py": "",
        },
    )
    assert foreign_imports_of_core(root, "sampling") == [
        "spotcheck.sampling.absolute:2 imports spotcheck.db.Base",
        "spotcheck.sampling.relative:1 imports spotcheck.errors.DomainError",
        "spotcheck.sampling.sub.deep:1 imports spotcheck.plans.models",
    ]


# ---------------------------------------------------------------- (b) the web layer


def test_it_lets_only_views_api_and_cli_modules_import_the_web_layer() -> None:
    assert web_imports_outside_surfaces(SRC) == []


def test_it_catches_a_service_importing_the_web_layer(tmp_path: Path) -> None:
    web = "from spotcheck.web.security import Db\n"
    root = _write(
        tmp_path,
        {
            "web/security.py": "from spotcheck.accounts import service\n",
            "accounts/service.py": "def f():\n    from spotcheck.web import templating\n",
            "accounts/views.py": web,
            "accounts/task_views.py": web,
            "accounts/view_context.py": web,
            "accounts/views_result.py": web,
            "accounts/api.py": web,
            "accounts/cli.py": web,
            "api/router.py": web,
            "app.py": web,
            "plans/present.py": "from spotcheck import web\n",
        },
    )
    assert web_imports_outside_surfaces(root) == [
        "spotcheck.accounts.service:2 imports spotcheck.web.templating",
        "spotcheck.plans.present:1 imports spotcheck.web",
    ]


# ---------------------------------------------------------------- (c) no cycles among domains


def test_it_finds_no_import_cycle_among_the_domain_packages() -> None:
    graph = domain_graph(SRC)
    assert {"plans", "eligibility", "draws", "draws.models", "plans.models"} <= set(graph)
    assert [described(graph, c) for c in cycles(graph)] == []
    assert models_importing_code(SRC) == []


def test_it_catches_a_cycle_between_two_throwaway_domains(tmp_path: Path) -> None:
    files = {
        "plans/models.py": "",
        "plans/service.py": "from spotcheck.eligibility import service\n",
        "eligibility/service.py": "from spotcheck.plans.models import Task\n",
        "draws/views.py": "from spotcheck.plans import service\n",
        "plans/views.py": "from spotcheck.draws import views\n",  # surfaces do not count
    }
    root = _write(tmp_path, files)
    assert cycles(domain_graph(root)) == []
    (root / "eligibility" / "service.py").write_text(
        "from spotcheck.plans.models import Task\ndef annual():\n    from ..plans import service\n",
        encoding="utf-8",
    )
    graph = domain_graph(root)
    assert cycles(graph) == [["eligibility", "plans"]]
    assert described(graph, ["eligibility", "plans"]) == [
        "eligibility -> plans (spotcheck.eligibility.service:3)",
        "plans -> eligibility (spotcheck.plans.service:1)",
    ]
    (root / "plans" / "models.py").write_text("from spotcheck.draws import service\n")
    assert models_importing_code(root) == [
        "spotcheck.plans.models:1 imports spotcheck.draws.service"
    ]


# ---------------------------------------------------------------- (d) audit labels


# Where the action is built from data, the data is enumerated instead: the workflow mechanism
# records `<machine.audit_prefix>.<move.action>` (and the machine's refusal action), channels
# `<subject_type>.channel_submit` for every registered exporter.
DYNAMIC = ("spotcheck.workflow.service:", "spotcheck.channels.service:")


def _data_actions() -> dict[str, str]:
    create_app(Settings(SPOTCHECK_ENV="test", SECRET_KEY="t" * 48))  # every domain loaded
    found = {a: "workflow" for m in MACHINES.values() for a in m.audit_actions()}
    found |= {f"{t}.channel_submit": "channels" for t in channel_exports.registered()}
    return found


def test_it_has_a_chinese_label_for_every_recorded_audit_action() -> None:
    actions = recorded_actions(SRC)
    assert [u for u in actions.unresolved if not u.startswith(DYNAMIC)] == []
    assert len(actions.unresolved) == 3  # the three sites above, no more
    data = _data_actions()
    assert {"plan.approve", "catalog.approve", "draw.publish", "draw.channel_submit"} <= set(data)
    actions.found.update({a: [w] for a, w in data.items()})
    assert {"login.success", "plan.submit", "plan.return", "item.created", "catalog.reject"} <= set(
        actions.found
    )
    missing = {a: w for a, w in actions.found.items() if a not in ACTION_LABELS}
    assert missing == {}
    assert all(re.search(r"[\u4e00-\u9fff]", ACTION_LABELS[a]) for a in actions.found)


def test_it_reads_every_shape_of_recorded_action(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "things/service.py": (
                "from spotcheck.audit import service as audit_service\n"
                "from spotcheck.audit.service import record\n"
                "_ACTIONS = {'a': 'thing.swap'}\n"
                "def one(s, actor, ok, kind):\n"
                "    audit_service.record(s, actor, 'thing.create')\n"
                "    record(s, actor, action='thing.open' if ok else 'thing.shut')\n"
                "    outcome = 'made'\n"
                "    audit_service.record(s, actor, f'thing.{outcome}')\n"
                "    audit_service.record(s, actor, _ACTIONS[kind])\n"
                "    audit_service.record(s, actor, _ACTIONS.get(kind, f'plan.{kind}'))\n"
                "    audit_service.record(s, actor, f'thing.{kind}')\n"
                "    other.record(s, actor, 'not.audit')\n"
            ),
        },
    )
    actions = recorded_actions(root)
    assert sorted(actions.found) == sorted(
        ["thing.create", "thing.open", "thing.shut", "thing.made", "thing.swap"]
        + [f"plan.{step}" for step in STEP_LABELS]
    )
    assert actions.unresolved == ["spotcheck.things.service:11: f'thing.{kind}'"]
