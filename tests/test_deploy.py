"""The container files, checked without building anything (no Docker engine needed).

The Dockerfile must run a command the package really installs, install the wheel pyproject
builds (name and version), run as a non-root user, and probe /healthz on the port it serves;
compose.yaml must parse and start vpabot only after a healthy PostgreSQL 16 with a named
volume. Where `docker compose` (or docker-compose) is installed, it validates the file too.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from vpabot.bot.cli import build_parser

REPO = Path(__file__).resolve().parents[1]


def pyproject() -> dict[str, Any]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (REPO / "Dockerfile").read_text(encoding="utf-8"))
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def one(word: str) -> str:
    [value] = [rest for w, rest in final_stage() if w == word]
    return value


def test_the_entrypoint_is_the_installed_command_and_cmd_a_real_subcommand() -> None:
    entrypoint = json.loads(one("ENTRYPOINT"))
    assert entrypoint == ["vpabot"] and "vpabot" in pyproject()["scripts"]
    args = build_parser().parse_args(json.loads(one("CMD")))
    assert args.command == "serve" and args.port == 3000
    assert build_parser().parse_args(["run"]).command == "run"  # `docker run image run`


def test_the_image_installs_the_wheel_pyproject_builds() -> None:
    project = pyproject()
    build = [rest for word, rest in instructions() if word == "RUN" and "pip wheel" in rest]
    assert build and "--no-deps" in build[0] and build[0].endswith(" .")
    # The build stage writes only this project's wheel to /wheels (--no-deps, "."), so the
    # final stage installs whatever wheel is there, whatever the version in pyproject says.
    assert "--wheel-dir /wheels" in build[0] and project["name"] == "vpabot"
    [install] = [rest for word, rest in final_stage() if word == "RUN" and "pip install" in rest]
    assert "/wheels/*.whl" in install, install
    assert " -e " not in install and "--editable" not in install


def test_the_base_image_is_slim_and_new_enough() -> None:
    base = one("FROM")
    match = re.fullmatch(r"python:(\d+)\.(\d+)-slim", base)
    assert match, base
    minimum = re.search(r">=\s*(\d+)\.(\d+)", pyproject()["requires-python"])
    assert minimum and tuple(map(int, match.groups())) >= tuple(map(int, minimum.groups()))


def test_it_runs_as_a_user_and_probes_the_port_it_serves() -> None:
    assert one("USER") not in ("root", "0")
    port = int(one("EXPOSE"))
    healthcheck = one("HEALTHCHECK")
    assert f"http://127.0.0.1:{port}/healthz" in healthcheck
    assert f"VPA_HEALTH_PORT={port}" in one("ENV")  # `run` answers the probe there too
    assert str(port) in json.loads(one("CMD"))


def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_vpabot_after_a_healthy_postgres_16() -> None:
    services = compose()["services"]
    db, bot = services["db"], services["vpabot"]
    assert db["image"] == "postgres:16"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose()["volumes"]  # named: survives `docker compose down`
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["env_file"] == ".env"
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@db:5432/" in bot["environment"]["DATABASE_URL"]
    assert build_parser().parse_args(bot["command"]).command == "serve"
    assert bot["ports"] == [f"{one('EXPOSE')}:{one('EXPOSE')}"]


def _compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    cli = _compose_cli()
    if cli is None:
        pytest.skip("neither `docker compose` nor docker-compose installed")
    shutil.copy(REPO / "compose.yaml", tmp_path / "compose.yaml")
    (tmp_path / ".env").write_text("POSTGRES_PASSWORD=pw\n", encoding="utf-8")
    result = subprocess.run(
        [*cli, "-f", "compose.yaml", "config"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "postgresql+psycopg://vpabot:pw@db:5432/vpabot" in result.stdout
    (tmp_path / ".env").write_text("", encoding="utf-8")  # no password: refused, not empty
    refused = subprocess.run(
        [*cli, "-f", "compose.yaml", "config"], cwd=tmp_path, capture_output=True, text=True
    )
    assert refused.returncode != 0 and "POSTGRES_PASSWORD" in refused.stderr
