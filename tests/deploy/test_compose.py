"""docker-compose.yml and the Dockerfile, checked without a Docker engine.

Each check is a function that lists what is wrong with a compose document; the tests assert the
real file has no problems, and that each check does find the problem in a broken copy.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.settings import Settings
from workflows.search_attributes import ALL as SEARCH_ATTRIBUTES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
APP_IMAGE = "creative-saas"
# Variables an app container may set that are not settings (name -> why). None today.
NON_SETTINGS_VARIABLES: dict[str, str] = {}
# Services other services wait for to *finish*; everything else runs for good.
ONE_SHOT_RESTARTS = ("no", "on-failure")
_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")

Compose = dict[str, Any]


def load_compose() -> Compose:
    document = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(document, dict)
    return document


def interpolate(value: object) -> str:
    """A value as Compose would see it with no .env: defaults used, required ones made up."""

    def substitute(match: re.Match[str]) -> str:
        if match["op"] in (":-", "-"):
            return match["arg"]
        return f"test-{match['name'].lower().replace('_', '-')}"

    return _VARIABLE.sub(substitute, str(value))


def settings_variables() -> set[str]:
    """The environment variable of every Settings field (its alias, else its upper-case name)."""
    return {(field.alias or name).upper() for name, field in Settings.model_fields.items()}


def services(compose: Compose) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = compose.get("services") or {}
    return result


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(name): interpolate(value) for name, value in env.items()}


def app_services(compose: Compose) -> dict[str, dict[str, Any]]:
    """Services running our image (the api, the workers, our one-shots)."""
    return {
        name: service
        for name, service in services(compose).items()
        if str(service.get("image", "")).startswith(APP_IMAGE + ":") or "build" in service
    }


def one_shot(compose: Compose) -> set[str]:
    """Services that other services wait for with service_completed_successfully."""
    return {
        target
        for service in services(compose).values()
        for target, condition in _depends_on(service).items()
        if condition == "service_completed_successfully"
    }


def _depends_on(service: dict[str, Any]) -> dict[str, str]:
    depends = service.get("depends_on") or {}
    if isinstance(depends, list):
        return {name: "service_started" for name in depends}
    return {
        name: (spec or {}).get("condition", "service_started") for name, spec in depends.items()
    }


def _host_ports(service: dict[str, Any]) -> Iterator[str]:
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            if port.get("published"):
                yield interpolate(port["published"])
            continue
        parts = interpolate(port).split("/")[0].split(":")
        if len(parts) >= 2:
            yield parts[-2]


# --- checks: each returns the problems it finds -------------------------------------------------


def environment_problems(compose: Compose) -> list[str]:
    known = settings_variables() | set(NON_SETTINGS_VARIABLES)
    return [
        f"{name}: {variable} is not a setting (infra/settings.py) nor a documented variable"
        for name, service in app_services(compose).items()
        for variable in environment(service)
        if variable.upper() not in known
    ]


def dependency_problems(compose: Compose) -> list[str]:
    everything = services(compose)
    problems = []
    for name, service in everything.items():
        for target, condition in _depends_on(service).items():
            if target not in everything:
                problems.append(f"{name} depends on {target}, which is not a service")
            elif condition == "service_healthy" and "healthcheck" not in everything[target]:
                problems.append(f"{name} waits for {target} to be healthy; it has no healthcheck")
            elif condition == "service_completed_successfully":
                restart = str(everything[target].get("restart", "no"))
                if not restart.startswith(ONE_SHOT_RESTARTS):
                    problems.append(f"{name} waits for {target} to finish; it restarts forever")
    return problems


def volume_problems(compose: Compose) -> list[str]:
    declared = set(compose.get("volumes") or {})
    problems = []
    for name, service in services(compose).items():
        for volume in service.get("volumes") or []:
            if isinstance(volume, dict):
                kind, source = volume.get("type", "volume"), str(volume.get("source", ""))
            else:
                source = str(volume).split(":")[0]
                kind = "bind" if source.startswith((".", "/", "~")) else "volume"
            if kind == "volume" and source and source not in declared:
                problems.append(f"{name} mounts volume {source}, which is not declared")
            if kind == "bind" and source.startswith(".") and not (ROOT / source).exists():
                problems.append(f"{name} mounts {source}, which is not in the repository")
    return problems


def port_problems(compose: Compose) -> list[str]:
    owners: dict[str, str] = {}
    problems = []
    for name, service in services(compose).items():
        for port in _host_ports(service):
            if port in owners:
                problems.append(f"{name} and {owners[port]} both publish host port {port}")
            owners[port] = name
    return problems


def scaling_problems(compose: Compose) -> list[str]:
    worker = services(compose).get("worker")
    if worker is None:
        return ["there is no worker service"]
    problems = []
    if "container_name" in worker:
        problems.append("worker has a container_name: a second replica could not start")
    if worker.get("ports"):
        problems.append("worker publishes ports: a second replica would collide on the host")
    return problems


def healthcheck_problems(compose: Compose) -> list[str]:
    finished = one_shot(compose)
    problems = []
    for name, service in services(compose).items():
        if name in finished:
            continue
        check = service.get("healthcheck") or {}
        if not check.get("test") or check.get("disable"):
            problems.append(f"{name} runs for good but has no healthcheck")
    return problems


CHECKS: list[Callable[[Compose], list[str]]] = [
    environment_problems,
    dependency_problems,
    volume_problems,
    port_problems,
    scaling_problems,
    healthcheck_problems,
]


# --- the real file ------------------------------------------------------------------------------


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_compose_file_has_no_problems(check: Callable[[Compose], list[str]]) -> None:
    assert check(load_compose()) == []


def test_api_and_workers_run_the_same_image_with_their_commands() -> None:
    apps = app_services(load_compose())
    assert apps["api"]["image"] == apps["worker"]["image"]
    assert apps["api"]["build"] == apps["worker"]["build"] == "."
    assert apps["api"]["command"] == ["creative-saas", "api"]
    assert apps["worker"]["command"] == ["creative-saas", "worker"]


@pytest.mark.parametrize("role", ["api", "worker"])
def test_each_role_gets_a_valid_production_configuration(
    role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in settings_variables():
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment(app_services(load_compose())[role]).items():
        monkeypatch.setenv(variable, value)
    settings = Settings()  # raises if a value does not parse or production lacks a secret
    assert settings.environment == "production"
    assert settings.storage_backend == "s3" and settings.s3_bucket
    assert settings.resolved_database_url.startswith("postgresql")
    assert settings.log_format == "json"
    if role == "worker":
        assert settings.worker_metrics_address.endswith(":9464")
    else:
        assert settings.api_host == "0.0.0.0"


def test_third_party_images_are_pinned() -> None:
    for name, service in services(load_compose()).items():
        image = str(service.get("image", ""))
        if image.startswith(APP_IMAGE + ":"):
            continue
        _, _, tag = image.rpartition(":")
        assert tag and tag != "latest" and "/" not in tag, f"{name}: pin {image!r} to a version"


def test_temporal_setup_registers_every_search_attribute_the_code_uses() -> None:
    compose = load_compose()
    setup = services(compose)["temporal-setup"]
    script = (ROOT / "deploy/temporal/setup-namespace.sh").read_text()
    assert "/deploy/temporal/setup-namespace.sh" in setup["entrypoint"]
    assert "--type Keyword" in script
    for key in SEARCH_ATTRIBUTES:
        assert re.search(rf"add_keyword {key.name}\b", script), key.name
    assert environment(setup)["TEMPORAL_NAMESPACE"] == environment(services(compose)["worker"]).get(
        "TEMPORAL_NAMESPACE"
    )


# --- the checks can fail ------------------------------------------------------------------------


def _broken(mutate: Callable[[Compose], None]) -> Compose:
    compose = copy.deepcopy(load_compose())
    mutate(compose)
    return compose


BREAKAGES: dict[str, tuple[Callable[[Compose], list[str]], Callable[[Compose], None]]] = {
    "misspelled setting": (
        environment_problems,
        lambda c: c["services"]["worker"]["environment"].update({"TEMPORAL_ADRESS": "x"}),
    ),
    "unknown dependency": (
        dependency_problems,
        lambda c: c["services"]["api"]["depends_on"].update(
            {"redis": {"condition": "service_healthy"}}
        ),
    ),
    "healthy wait on a service without healthcheck": (
        dependency_problems,
        lambda c: c["services"]["api"]["depends_on"].update(
            {"temporal-setup": {"condition": "service_healthy"}}
        ),
    ),
    "undeclared volume": (volume_problems, lambda c: c["volumes"].pop("postgres-data")),
    "missing bind mount": (
        volume_problems,
        lambda c: c["services"]["temporal"]["volumes"].append("./deploy/nope.yaml:/x:ro"),
    ),
    "same host port twice": (
        port_problems,
        lambda c: c["services"]["temporal-ui"]["ports"].append("127.0.0.1:8000:8080"),
    ),
    "worker pinned to one container": (
        scaling_problems,
        lambda c: c["services"]["worker"].update({"container_name": "worker"}),
    ),
    "worker publishing its metrics port": (
        scaling_problems,
        lambda c: c["services"]["worker"].update({"ports": ["9464:9464"]}),
    ),
    "long-running service without healthcheck": (
        healthcheck_problems,
        lambda c: c["services"]["api"].pop("healthcheck"),
    ),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_each_check_finds_its_problem_in_a_broken_copy(breakage: str) -> None:
    check, mutate = BREAKAGES[breakage]
    assert check(_broken(mutate)), f"{check.__name__} missed: {breakage}"


# --- the image ----------------------------------------------------------------------------------


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in (raw.strip() for raw in text.splitlines())
        if line and not line.startswith("#")
    ]


def test_dockerfile_builds_on_python_311_slim_bookworm() -> None:
    froms = [args for instruction, args in _dockerfile_instructions() if instruction == "FROM"]
    assert froms and froms[-1].split()[0] == "python:3.11-slim-bookworm"


def test_dockerfile_installs_libfribidi_and_the_project() -> None:
    runs = " ".join(
        args for instruction, args in _dockerfile_instructions() if instruction == "RUN"
    )
    assert re.search(r"apt-get install [^&;]*\blibfribidi0\b", runs)
    assert re.search(r"pip install (--no-deps )?\.(\s|$)", runs)


def test_dockerfile_copies_every_package_of_the_project() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = [
        p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    ]
    copied = {
        args.split()[0]
        for instruction, args in _dockerfile_instructions()
        if instruction == "COPY" and not args.startswith("--from")
    }
    assert {"pyproject.toml", "README.md"} <= {
        word
        for instruction, args in _dockerfile_instructions()
        if instruction == "COPY"
        for word in args.split()
    }
    missing = [package for package in packages if package not in copied]
    assert not missing, f"the image would lack {missing}"


def test_the_image_runs_as_a_non_root_user() -> None:
    users = [args for instruction, args in _dockerfile_instructions() if instruction == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")


def test_secrets_and_local_state_stay_out_of_the_build_context() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".env", "*.env", "data"} <= ignored
