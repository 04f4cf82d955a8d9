"""Imports point one way: bot -> storage -> policy.

vpabot.policy is pure (standard library and vpabot.policy only), so rules can be tested and
reasoned about without Slack or a database. vpabot.storage knows nothing about Slack or the bot.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
POLICY_DIR = REPO / "policy"
STORAGE_DIR = REPO / "storage"

THIRD_PARTY_FORBIDDEN_IN_POLICY = (
    "slack_bolt",
    "slack_sdk",
    "sqlalchemy",
    "alembic",
    "apscheduler",
    "dotenv",
    "babel",
    "waitress",
)


def module_name(path: Path) -> str:
    """``policy/ladder.py`` -> ``vpabot.policy.ladder`` (the package-dir mapping in pyproject)."""
    parts = ("vpabot", *path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Every module a source imports, with relative imports resolved against ``module``.

    Also catches ``importlib.import_module("x")`` and ``__import__("x")`` with a literal name.
    """
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base = ".".join(base_parts[: len(base_parts) - (node.level - 1)])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if name in {"import_module", "__import__"} and isinstance(first, ast.Constant):
                found.add(str(first.value))
    return found


def is_within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def policy_violations(imports: set[str]) -> set[str]:
    """Imports a policy module may not make: anything outside the stdlib and vpabot.policy."""
    bad = set()
    for name in imports:
        if is_within(name, "vpabot.policy"):
            continue
        if name.split(".")[0] in sys.stdlib_module_names and not name.startswith("vpabot"):
            continue
        bad.add(name)
    return bad


def storage_violations(imports: set[str]) -> set[str]:
    return {n for n in imports if is_within(n, "vpabot.bot") or n.startswith("slack")}


def scan(directory: Path) -> dict[str, set[str]]:
    result = {}
    for path in sorted(directory.rglob("*.py")):
        result[module_name(path)] = imported_modules(
            path.read_text(encoding="utf-8"),
            module_name(path),
            is_package=path.name == "__init__.py",
        )
    return result


POLICY_MODULES = scan(POLICY_DIR)
STORAGE_MODULES = scan(STORAGE_DIR)


def test_scans_are_not_empty() -> None:
    assert {"vpabot.policy.ladder", "vpabot.policy.catalogue", "vpabot.policy.dates"} <= set(
        POLICY_MODULES
    )
    assert {"vpabot.storage.models", "vpabot.storage.repositories"} <= set(STORAGE_MODULES)
    # The scanner sees real imports (ladder uses dates): an empty result is no accidental pass.
    assert "vpabot.policy.dates" in POLICY_MODULES["vpabot.policy.ladder"]


@pytest.mark.parametrize("module", sorted(POLICY_MODULES))
def test_policy_imports_only_stdlib_and_policy(module: str) -> None:
    imports = POLICY_MODULES[module]
    named = {n for n in imports for bad in THIRD_PARTY_FORBIDDEN_IN_POLICY if is_within(n, bad)}
    assert named == set(), f"{module} imports {sorted(named)}"
    inward = {n for n in imports if is_within(n, "vpabot.storage") or is_within(n, "vpabot.bot")}
    assert inward == set(), f"{module} imports {sorted(inward)}"
    assert policy_violations(imports) == set(), f"{module} imports outside stdlib/policy"


@pytest.mark.parametrize("module", sorted(STORAGE_MODULES))
def test_storage_imports_nothing_from_bot_or_slack(module: str) -> None:
    assert storage_violations(STORAGE_MODULES[module]) == set()


# --- self-checks: the scanner really finds what it must forbid ----------------------------


@pytest.mark.parametrize(
    ("source", "module", "forbidden"),
    [
        pytest.param("import sqlalchemy\n", "vpabot.policy.x", "sqlalchemy", id="import"),
        pytest.param(
            "from sqlalchemy.orm import Session\n", "vpabot.policy.x", "sqlalchemy.orm", id="from"
        ),
        pytest.param(
            "def f():\n    import slack_sdk\n",
            "vpabot.policy.x",
            "slack_sdk",
            id="inside a function",
        ),
        pytest.param(
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from vpabot.bot import i18n\n",
            "vpabot.policy.x",
            "vpabot.bot",
            id="type-checking block",
        ),
        pytest.param(
            "from ..storage import models\n",
            "vpabot.policy.x",
            "vpabot.storage",
            id="relative import out of policy",
        ),
        pytest.param(
            "import importlib\nimportlib.import_module('babel')\n",
            "vpabot.policy.x",
            "babel",
            id="import_module",
        ),
    ],
)
def test_scanner_detects_forbidden_policy_imports(
    source: str, module: str, forbidden: str
) -> None:
    imports = imported_modules(source, module)
    assert forbidden in imports
    assert forbidden in policy_violations(imports)


def test_scanner_allows_stdlib_and_policy() -> None:
    source = (
        "from __future__ import annotations\n"
        "import unicodedata\n"
        "from datetime import date\n"
        "from vpabot.policy.errors import PolicyError\n"
        "from .dates import add_months\n"
    )
    imports = imported_modules(source, "vpabot.policy.ladder")
    assert "vpabot.policy.dates" in imports
    assert policy_violations(imports) == set()


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("from vpabot.bot.i18n import Translator\n", id="bot"),
        pytest.param("import slack_bolt\n", id="slack_bolt"),
        pytest.param("from slack_sdk.errors import SlackApiError\n", id="slack_sdk"),
        pytest.param("from ..bot import config\n", id="relative bot"),
    ],
)
def test_scanner_detects_forbidden_storage_imports(source: str) -> None:
    assert storage_violations(imported_modules(source, "vpabot.storage.models")) != set()


def test_scanner_allows_storage_to_use_policy_and_sqlalchemy() -> None:
    source = "from sqlalchemy import select\nfrom vpabot.policy.ladder import ViolationState\n"
    assert storage_violations(imported_modules(source, "vpabot.storage.models")) == set()


# --- inside bot: use cases, presentation and the Slack surface ------------------------------

BOT_DIR = REPO / "bot"
BOT_MODULES = scan(BOT_DIR)
SERVICES = "vpabot.bot.services"
BLOCKS = "vpabot.bot.blocks"
RESULTS = "vpabot.bot.results"
PRESENTATION = ("vpabot.bot.blocks", "vpabot.bot.listeners", "vpabot.bot.interactions")
SLACK_LIBRARIES = ("slack_bolt", "slack_sdk")


def own_module(name: str, known: Iterable[str]) -> str | None:
    """The module of ours that an imported name lives in (``a.b.func`` -> ``a.b``), if any."""
    parts = name.split(".")
    known = set(known)
    for end in range(len(parts), 1, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def import_graph(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports (packages and their ``__init__`` are one)."""
    return {
        module: {m for name in imports if (m := own_module(name, modules)) and m != module}
        for module, imports in modules.items()
    }


BOT_GRAPH = import_graph(BOT_MODULES)


def reachable(graph: dict[str, set[str]], start: str) -> dict[str, str]:
    """Every module ``start`` imports, directly or not: ``{module: the module importing it}``."""
    via: dict[str, str] = {}
    stack = [start]
    while stack:
        current = stack.pop()
        for target in graph.get(current, ()):
            if target not in via and target != start:
                via[target] = current
                stack.append(target)
    return via


def path_to(via: dict[str, str], start: str, target: str) -> str:
    chain = [target]
    while chain[-1] != start:
        chain.append(via[chain[-1]])
    return " -> ".join(reversed(chain))


def within(name: str, prefixes: Iterable[str]) -> bool:
    return any(is_within(name, prefix) for prefix in prefixes)


def unit_of(module: str) -> str:
    """The part of bot a module belongs to: its subpackage (``vpabot.bot.services``), or the
    module itself for the top-level modules (``vpabot.bot.context``)."""
    parts = module.split(".")
    if len(parts) > 3 or (len(parts) == 3 and (BOT_DIR / parts[2]).is_dir()):
        return ".".join(parts[:3])
    return module


def unit_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    units: dict[str, set[str]] = {}
    for module, targets in graph.items():
        here = unit_of(module)
        units.setdefault(here, set()).update(unit_of(t) for t in targets if unit_of(t) != here)
    return units


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_bot_scan_sees_the_layers() -> None:
    assert {f"{SERVICES}.stops", f"{BLOCKS}.stops", f"{RESULTS}.notices"} <= set(BOT_MODULES)
    # An empty graph would pass every test below: the scan sees real imports.
    assert f"{RESULTS}.notices" in BOT_GRAPH[f"{SERVICES}.stops"]
    assert f"{RESULTS}.notices" in BOT_GRAPH[f"{BLOCKS}.notices"]


@pytest.mark.parametrize("module", sorted(m for m in BOT_MODULES if is_within(m, SERVICES)))
def test_services_never_import_presentation_or_slack(module: str) -> None:
    """Use cases decide; blocks word, listeners and interactions talk to Slack. Not even
    through another module (the context, a helper): the renderer is injected instead."""
    direct = {n for n in BOT_MODULES[module] if within(n, PRESENTATION + SLACK_LIBRARIES)}
    assert direct == set(), f"{module} imports {sorted(direct)}"
    via = reachable(BOT_GRAPH, module)
    indirect = sorted(m for m in via if within(m, PRESENTATION))
    assert indirect == [], "; ".join(path_to(via, module, m) for m in indirect)
    slack = sorted(m for m in via if any(within(n, SLACK_LIBRARIES) for n in BOT_MODULES[m]))
    assert slack == [], "Slack library via " + "; ".join(path_to(via, module, m) for m in slack)


@pytest.mark.parametrize("module", sorted(m for m in BOT_MODULES if is_within(m, BLOCKS)))
def test_blocks_never_import_services(module: str) -> None:
    """Presentation renders results; it never runs a use case, not even indirectly."""
    via = reachable(BOT_GRAPH, module)
    used = sorted(m for m in [*BOT_MODULES[module], *via] if is_within(m, SERVICES))
    assert used == [], "; ".join(path_to(via, module, m) if m in via else m for m in used)


@pytest.mark.parametrize("module", sorted(m for m in BOT_MODULES if is_within(m, RESULTS)))
def test_results_sit_below_services_and_blocks(module: str) -> None:
    """Results and notices are plain data: standard library, policy and each other only."""
    bad = {
        n
        for n in BOT_MODULES[module]
        if not within(n, (RESULTS, "vpabot.policy"))
        and not (n.split(".")[0] in sys.stdlib_module_names and not n.startswith("vpabot"))
    }
    assert bad == set(), f"{module} imports {sorted(bad)}"


def test_no_import_cycles_between_the_parts_of_bot() -> None:
    """Subpackages (services, blocks, listeners, interactions, cli …) and the top-level
    modules of bot import each other one way only: a cycle makes two parts one."""
    assert cycles(unit_graph(BOT_GRAPH)) == []


# --- self-checks: the graph tests can fail ----------------------------------------------------


def test_scanner_catches_a_service_importing_blocks_through_a_helper() -> None:
    modules = {
        "vpabot.bot.services.x": imported_modules(
            "from vpabot.bot.helper import f\n", "vpabot.bot.services.x"
        ),
        "vpabot.bot.helper": imported_modules(
            "def g():\n    from vpabot.bot.blocks.stops import build\n", "vpabot.bot.helper"
        ),
        "vpabot.bot.blocks.stops": set(),
    }
    via = reachable(import_graph(modules), "vpabot.bot.services.x")
    assert "vpabot.bot.blocks.stops" in via
    assert path_to(via, "vpabot.bot.services.x", "vpabot.bot.blocks.stops") == (
        "vpabot.bot.services.x -> vpabot.bot.helper -> vpabot.bot.blocks.stops"
    )


def test_cycle_finder_finds_a_cycle_between_packages() -> None:
    graph = {
        "vpabot.bot.services.a": {"vpabot.bot.blocks.b"},
        "vpabot.bot.blocks.b": {"vpabot.bot.context"},
        "vpabot.bot.context": {"vpabot.bot.services.c"},
        "vpabot.bot.services.c": set(),
        "vpabot.bot.results.d": set(),
    }
    assert cycles(unit_graph(graph)) == [
        ["vpabot.bot.blocks", "vpabot.bot.context", "vpabot.bot.services"]
    ]
    assert cycles(unit_graph({**graph, "vpabot.bot.context": set()})) == []
