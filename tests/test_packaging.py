"""The layers live in top-level folders but install as ``vpabot.policy``, ``vpabot.storage`` and
``vpabot.bot`` (setuptools ``package-dir``). Two ways this silently breaks: a new package folder
not listed in pyproject (missing from the wheel, present in an editable install), and code that
imports a bare ``storage`` or ``policy`` that only resolves because the repository is on sys.path.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LAYERS = {"policy": "vpabot.policy", "storage": "vpabot.storage", "bot": "vpabot.bot"}
BARE_NAMES = set(LAYERS) | {"vpabot.clock", "vpabot.testing"}


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def package_folders() -> set[str]:
    found = set()
    for folder, name in LAYERS.items():
        for init in (REPO / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / folder).parts
            found.add(".".join((name, *rel)))
    return found


def test_every_package_folder_is_listed_in_pyproject() -> None:
    listed = set(pyproject()["tool"]["setuptools"]["packages"])
    assert package_folders(), "no package folders found: the scan itself is broken"
    assert package_folders() - listed == set(), "add these to [tool.setuptools] packages"
    assert listed - package_folders() == set(), "pyproject lists packages that do not exist"


def test_package_dir_maps_each_layer_to_its_top_level_folder() -> None:
    mapping = pyproject()["tool"]["setuptools"]["package-dir"]
    assert mapping == {name: folder for folder, name in LAYERS.items()}


def python_files() -> list[Path]:
    roots = [REPO / f for f in (*LAYERS, "tests", "bench")]
    return sorted(p for root in roots if root.exists() for p in root.rglob("*.py"))


def bare_imports(source: str) -> set[str]:
    bad = set()
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            if name.split(".")[0] in LAYERS or any(
                name == b or name.startswith(b + ".") for b in BARE_NAMES
            ):
                bad.add(name)
    return bad


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_code_imports_a_bare_layer_name(path: Path) -> None:
    assert bare_imports(path.read_text(encoding="utf-8")) == set()


@pytest.mark.parametrize(
    "source", ["import storage\n", "from policy.ladder import x\n", "from bot import app\n",
               "from vpabot.clock import Clock\n"]
)
def test_the_bare_import_scan_finds_what_it_must(source: str) -> None:
    assert bare_imports(source) != set()


def test_the_bare_import_scan_allows_the_installed_names() -> None:
    assert bare_imports("from vpabot.storage import models\nimport vpabot.bot.app\n") == set()
