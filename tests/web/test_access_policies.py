"""Access policies per domain: role sets live in each domain's access.py, built on the one list
in accounts/access.py; pages, API and CLI never write a role tuple out, and no page module
imports another domain's page module."""

from __future__ import annotations

import ast
from pathlib import Path

import spotcheck
from spotcheck.accounts import access as shared
from spotcheck.accounts.models import Role

SRC = Path(spotcheck.__file__).parent
SURFACE_EXEMPT = {"web", "api"}  # the framework itself, and the API that serves other domains


def _is_role(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Role"
        and node.attr.isupper()
    )


def role_literals(source: str) -> list[int]:
    """Lines where roles are written out: a tuple/list/set of Role.X, or Role.X passed to a call."""
    lines = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = node.elts
        elif isinstance(node, ast.Call):
            items = node.args
        else:
            continue
        if any(map(_is_role, items)):
            lines.add(node.lineno)
    return sorted(lines)


def _is_page(path: Path) -> bool:
    return "view" in path.stem


def _is_surface(path: Path) -> bool:
    """A module that serves users: pages, API or CLI."""
    return _is_page(path) or path.stem in ("api", "cli") or path.stem.endswith("_cli")


def foreign_view_imports(source: str, domain: str) -> list[str]:
    """Modules imported by `source` that are another domain's page modules."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if (
                len(parts) == 3
                and parts[0] == "spotcheck"
                and parts[1] != domain
                and "view" in parts[2]
            ):
                found.append(name)
    return found


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if p.parent != SRC)


def _domain(path: Path) -> str:
    return path.relative_to(SRC).parts[0]


def test_it_finds_no_role_written_out_in_pages_api_or_cli() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{line}"
        for path in _modules()
        if _is_surface(path)
        for line in role_literals(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_it_catches_a_role_tuple_and_a_role_argument_but_not_a_named_set() -> None:
    throwaway = (
        "Editor = Annotated[Principal, Depends(roles(Role.ADMIN, Role.COORDINATOR))]\n"
        "EDITORS = (Role.ADMIN,)\n"
        "ok = principal.has_role(*access.EDIT)\n"
        "also = principal.has_role(Role.LEADER)\n"
    )
    assert role_literals(throwaway) == [1, 2, 4]


def test_it_finds_no_page_importing_another_domains_pages() -> None:
    offenders = [
        f"{path.relative_to(SRC)} → {name}"
        for path in _modules()
        if _is_surface(path)
        for name in foreign_view_imports(path.read_text(encoding="utf-8"), _domain(path))
    ]
    assert offenders == []


def test_it_catches_an_import_of_another_domains_views_but_not_its_own() -> None:
    throwaway = (
        "from spotcheck.targets import views as targets_views\n"
        "from spotcheck.targets.exemption_views import EDITORS\n"
        "import spotcheck.inspectors.views\n"
        "from spotcheck.imports import event_views\n"
        "from spotcheck.targets import access, service\n"
    )
    assert foreign_view_imports(throwaway, "imports") == [
        "spotcheck.targets.views",
        "spotcheck.targets.exemption_views",
        "spotcheck.inspectors.views",
    ]


def test_it_gives_every_domain_with_pages_or_cli_its_own_access_module() -> None:
    domains = {_domain(p) for p in _modules() if _is_surface(p)} - SURFACE_EXEMPT
    assert {"catalog", "draws", "plans", "portal", "accounts"} <= domains
    assert sorted(d for d in domains if not (SRC / d / "access.py").is_file()) == []


def test_it_builds_every_role_set_on_the_shared_list() -> None:
    # A domain's access.py names sets from accounts/access.py; none writes roles out again,
    # so the leader/admin sets agree everywhere.
    for path in sorted(SRC.glob("*/access.py")):
        if _domain(path) != "accounts":
            assert role_literals(path.read_text(encoding="utf-8")) == [], path
    assert shared.LEADERS == (Role.LEADER, Role.ADMIN)
    from spotcheck.catalog import access as catalog_access
    from spotcheck.draws import access as draws_access
    from spotcheck.plans import access as plans_access

    assert catalog_access.APPROVE == plans_access.APPROVE == draws_access.AUDIT == shared.LEADERS
    assert catalog_access.EDIT == plans_access.PLAN == shared.COORDINATORS
    assert plans_access.TASKS == draws_access.RUN == shared.OFFICERS


def test_it_finds_no_role_name_written_out_in_templates() -> None:
    # Templates ask the same sets: `user.has_role(*access.catalog.EDIT)`.
    offenders = [
        str(path.relative_to(SRC))
        for path in sorted((SRC / "templates").rglob("*.html"))
        if 'has_role("' in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
