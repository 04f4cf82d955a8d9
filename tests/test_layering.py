"""Imports point one way: bot -> storage -> policy.

vpabot.policy is pure (standard library and vpabot.policy only), so rules can be tested and
reasoned about without Slack or a database. vpabot.storage knows nothing about Slack or the bot.
"""

from __future__ import annotations

import ast
import sys
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
