"""The container, proved without a container engine (this machine has only Docker's client).

What runs everywhere, in seconds: the Dockerfile and compose.yaml are read as Docker reads them
and every command they give the bot is one the CLI's own parser accepts; the healthcheck's
one-liner, run exactly as written, passes on a healthy /healthz and fails on a 503 or on a
port nobody answers; the build context holds every package the wheel needs and never .env; and
compose's services, run as written (`python` being this interpreter), bring up the database,
the front, a worker and a scheduler on PostgreSQL, healthy, and stop cleanly.

What is opt-in (MENTORBOT_FRESH_INSTALL=1; about a minute, and the package index): the Dockerfile's
build commands, run as written in a copy of the build context, build the wheel and install it
with its dependencies into a new virtualenv, and the same services run from that virtualenv.

What no test here can prove: that the base image, the account the image creates, BuildKit's
cache mount or compose itself behave as Docker documents them.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from bot import cli, health, serving
from bot.settings import Settings, SettingsError
from fakeslack import FakeSlack
from fakeslack.payloads import SIGNING_SECRET

REPO = Path(__file__).resolve().parent.parent
SAMPLE_PASSWORD = "s3cretpassword"


# Reading the Dockerfile as Docker does -------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    stage: str
    keyword: str
    flags: tuple[str, ...]
    arguments: str

    def exec_form(self) -> list[str]:
        """The JSON array form of CMD, ENTRYPOINT or HEALTHCHECK … CMD."""
        text = self.arguments
        if self.keyword == "HEALTHCHECK":
            text = text.removeprefix("CMD").strip()
        argv = json.loads(text)
        assert isinstance(argv, list) and all(isinstance(a, str) for a in argv)
        return argv


def read_dockerfile(path: Path = REPO / "Dockerfile") -> list[Instruction]:
    """Instructions with their continuation lines joined and comments dropped, each with the
    stage it belongs to (its `AS` name); flags (`--mount=…`, `--interval=…`) set apart."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # comments (and the syntax directive) may sit inside a continuation too
        if line.endswith("\\"):
            pending += raw.rstrip()[:-1]
            continue
        logical.append(pending + raw)
        pending = ""
    assert not pending, "the Dockerfile ends in a continuation"
    instructions = []
    stage = ""
    for line in logical:
        keyword, _, rest = line.strip().partition(" ")
        flags = []
        rest = rest.strip()
        while rest.startswith("--"):
            flag, _, rest = rest.partition(" ")
            flags.append(flag)
            rest = rest.strip()
        if keyword.upper() == "FROM":
            words = rest.split()
            stage = words[2] if len(words) == 3 and words[1].upper() == "AS" else words[0]
        instructions.append(Instruction(stage, keyword.upper(), tuple(flags), rest))
    return instructions


def only(instructions: list[Instruction], keyword: str, stage: str | None = None) -> Instruction:
    (found,) = [i for i in instructions if i.keyword == keyword and stage in (None, i.stage)]
    return found


def runs(instructions: list[Instruction], stage: str) -> list[Instruction]:
    return [i for i in instructions if i.keyword == "RUN" and i.stage == stage]


def stages(instructions: list[Instruction]) -> list[str]:
    return [i.stage for i in instructions if i.keyword == "FROM"]


# Reading compose.yaml as compose does --------------------------------------------------------

_VARIABLE = re.compile(r"\$\{(\w+)(?::?[?-][^}]*)?\}")


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """`${NAME}`, `${NAME:?message}` or `${NAME:-default}`, NAME taken from `variables` (a
    variable the test does not know fails it)."""
    return _VARIABLE.sub(lambda m: variables[m.group(1)], value)


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((REPO / "compose.yaml").read_text())  # merge keys (<<) included
    assert isinstance(loaded, dict)
    return loaded


def bot_services(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run the image built from this tree."""
    return {name: svc for name, svc in spec["services"].items() if "build" in svc}


def service_env(service: dict[str, Any], variables: Mapping[str, str]) -> dict[str, str]:
    """The service's environment as the container sees it: .env.example's values (standing
    for the .env an operator writes), then `environment`, which wins, interpolated."""
    example = (REPO / ".env.example").read_text().splitlines()
    env = dict(line.split("=", 1) for line in example if line and not line.startswith("#"))
    assert service.get("env_file") == ".env"
    env.update({k: interpolate(str(v), variables) for k, v in service["environment"].items()})
    return env


def bot_argv(command: list[str]) -> list[str]:
    """The CLI's arguments in `python -m bot …`."""
    assert command[:3] == ["python", "-m", "bot"], command
    return command[3:]


# The tests that run everywhere ---------------------------------------------------------------


def test_the_image_is_built_in_two_slim_stages_and_runs_unprivileged() -> None:
    """A build stage and a runtime stage, both on a slim Python; the runtime takes only the
    virtualenv from the build; its user is not root; it has a healthcheck and a command."""
    instructions = read_dockerfile()
    assert stages(instructions) == ["build", "runtime"]
    image = only(instructions, "ARG").arguments.partition("=")[2]
    assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", image), image
    assert all(
        i.arguments.startswith("${PYTHON_IMAGE} AS") for i in instructions if i.keyword == "FROM"
    )
    venv = only(instructions, "COPY", "runtime")
    assert venv.flags == ("--from=build",)
    source, target = venv.arguments.split()
    assert source == target and f"python -m venv {target}" in " ".join(
        i.arguments for i in runs(instructions, "build")
    )
    path = only(instructions, "ENV", "runtime").arguments
    assert f"PATH={target}/bin:$PATH" in path  # so `python` is the virtualenv's
    user = only(instructions, "USER", "runtime").arguments
    assert int(user.split(":")[0]) >= 1000 and int(user.split(":")[1]) >= 1000
    assert only(instructions, "HEALTHCHECK", "runtime").exec_form()[0] == "python"
    assert only(instructions, "CMD", "runtime").exec_form() == ["python", "-m", "bot", "run"]


def test_the_commands_of_the_image_and_of_compose_are_the_clis() -> None:
    """The image's CMD and each bot service's command parse with the CLI's own parser, and
    together they are the upgrade, the front, the worker and the scheduler."""
    parser = cli._parser()
    commands = [only(read_dockerfile(), "CMD").exec_form()]
    commands += [svc["command"] for svc in bot_services(compose()).values()]
    parsed = [parser.parse_args(bot_argv(command)) for command in commands]
    assert {(a.command, getattr(a, "action", None)) for a in parsed} == {
        ("run", None),
        ("db", "upgrade"),
        ("worker", None),
        ("scheduler", None),
    }


def test_compose_upgrades_the_database_before_anything_else_runs() -> None:
    """`db upgrade` runs once PostgreSQL is healthy and never restarts; every other bot
    service waits for it to have exited 0; nothing depends on itself."""
    spec = compose()
    services = bot_services(spec)
    (migrate,) = [n for n, s in services.items() if bot_argv(s["command"])[:2] == ["db", "upgrade"]]
    database = services[migrate]["depends_on"]
    assert database == {"postgres": {"condition": "service_healthy"}}
    assert spec["services"]["postgres"]["healthcheck"]["test"][0] == "CMD-SHELL"
    assert services[migrate]["restart"] == "no"
    for name, service in services.items():
        if name != migrate:
            assert service["depends_on"] == {
                migrate: {"condition": "service_completed_successfully"}
            }, name
        assert name not in service["depends_on"]


def test_only_the_front_is_health_checked_and_workers_and_schedulers_are_replicas() -> None:
    """/healthz is served by `run` alone: the image's check stays on for it and is off for the
    others; worker and scheduler services run several copies."""
    for name, service in bot_services(compose()).items():
        serves = bot_argv(service["command"])[0] == "run"
        assert ("healthcheck" not in service) == serves, name
        if not serves:
            assert service["healthcheck"] == {"disable": True}, name
        if bot_argv(service["command"])[0] in ("worker", "scheduler"):
            assert service["deploy"]["replicas"] >= 2, name


def test_compose_points_every_service_at_the_postgres_service_with_valid_settings() -> None:
    """DATABASE_URL uses the psycopg driver, the postgres service's name, user and database;
    each service's settings are accepted; the front runs no scheduler and the fewest workers
    `run` allows."""
    spec = compose()
    postgres = spec["services"]["postgres"]
    variables = {"POSTGRES_PASSWORD": SAMPLE_PASSWORD}
    db_env = {k: interpolate(v, variables) for k, v in postgres["environment"].items()}
    for name, service in bot_services(spec).items():
        env = service_env(service, variables)
        url = make_url(env["DATABASE_URL"])
        assert url.drivername == "postgresql+psycopg", name
        assert (url.host, url.port, url.username) == ("postgres", 5432, db_env["POSTGRES_USER"])
        assert (url.password, url.database) == (db_env["POSTGRES_PASSWORD"], db_env["POSTGRES_DB"])
        settings = Settings.from_env({**env, "SLACK_BOT_TOKEN": "xoxb-1-2"})
        if bot_argv(service["command"])[0] == "run":
            assert (settings.scheduler_enabled, settings.workers) == (False, 1)
            with pytest.raises(SettingsError):
                Settings.from_env({"WORKERS": str(settings.workers - 1)})


# Which files reach the image: .dockerignore read as Docker reads it ----------------------------


def _pattern(glob: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif glob.startswith("**", i):
            out, i = out + ".*", i + 2
        elif glob[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif glob[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(glob[i]), i + 1
    return re.compile(out)


def ignored(path: str, lines: list[str]) -> bool:
    """Docker's rule: the last pattern that matches the path or one of its parents decides;
    `!` lets it back in."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    verdict = False
    for line in lines:
        negated = line.startswith("!")
        pattern = _pattern(line.removeprefix("!").strip("/"))
        if any(pattern.fullmatch(prefix) for prefix in prefixes):
            verdict = not negated
    return verdict


def dockerignore() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def build_context() -> list[str]:
    """The files of this tree that `COPY . .` puts in the build stage."""
    lines = dockerignore()
    kept = []
    for root, dirs, files in os.walk(REPO):
        relative = Path(root).relative_to(REPO).as_posix()
        prefix = "" if relative == "." else relative + "/"
        dirs[:] = [d for d in dirs if not ignored(prefix + d, lines) or _reopened(prefix + d)]
        kept += [prefix + f for f in files if not ignored(prefix + f, lines)]
    return sorted(kept)


def _reopened(directory: str) -> bool:
    return any(line.startswith(f"!{directory}/") for line in dockerignore())


def test_the_build_context_holds_every_package_of_the_wheel_and_no_secret() -> None:
    """Each top-level package (but tests and benchmarks) is one pyproject.toml puts in the
    wheel and .dockerignore lets through, with the files the build reads; .env, databases,
    virtualenvs, the tests, caches and git stay out."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = sorted(
        p.name
        for p in REPO.iterdir()
        if (p / "__init__.py").is_file() and p.name not in ("tests", "bench")
    )
    assert sorted(pattern.removesuffix("*") for pattern in include) == packages
    context = build_context()
    assert {"pyproject.toml", "README.md", "LICENSE"} <= set(context)
    for package in packages:
        assert f"{package}/__init__.py" in context, package
    assert {path.split("/")[0] for path in context} == {
        "pyproject.toml",
        "README.md",
        "LICENSE",
        *packages,
    }
    lines = dockerignore()
    for secret in (
        ".env",
        "bot/.env",
        "mentorbot.db",
        "storage/mentorbot.db-wal",
        "bot/__pycache__/cli.cpython-311.pyc",
        ".venv/bin/python",
        ".git/config",
        "tests/test_cli.py",
    ):
        assert ignored(secret, lines), secret


# The healthcheck, run as written -------------------------------------------------------------


@dataclass
class Verdicts:
    """What the probes of a /healthz server say; a test changes it as it goes."""

    failing: bool = False

    def probe(self) -> health.Check:
        return health.Check("database", "can't write (as told)" if self.failing else None)


@pytest.fixture
def healthz() -> Iterator[tuple[int, Verdicts]]:
    """A /healthz on a free port, answered by the bot's own WSGI app and server."""
    verdicts = Verdicts()
    server = serving.Serving(health.wsgi([verdicts.probe]), 0)
    port = int(server.server.effective_port)
    yield port, verdicts
    server.stop()


def healthcheck(
    env: Mapping[str, str], python: str = sys.executable
) -> subprocess.CompletedProcess[str]:
    """The image's HEALTHCHECK command, exactly as written, with `python` the given one, in
    the container's environment `env` (Docker runs the check with it)."""
    argv = only(read_dockerfile(), "HEALTHCHECK").exec_form()
    assert argv[0] == "python"
    return subprocess.run(
        [python, *argv[1:]],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_healthcheck_passes_on_200_and_fails_on_503_or_silence(
    healthz: tuple[int, Verdicts],
) -> None:
    """Exit 0 while /healthz answers 200; 1 on a 503, printing the body that names the failing
    check; 1 when nothing listens on the port."""
    port, verdicts = healthz
    passed = healthcheck({"PORT": str(port), "HEALTH_PORT": ""})
    assert passed.returncode == 0, passed.stderr
    assert passed.stdout.startswith('200 {"status": "ok"')
    verdicts.failing = True
    failed = healthcheck({"PORT": str(port)})
    assert failed.returncode == 1
    assert failed.stdout.startswith("503 ") and '"failed": ["database"]' in failed.stdout
    dead = healthcheck({"PORT": str(free_port())})
    assert dead.returncode == 1 and "ConnectionRefusedError" in dead.stderr


def test_the_healthcheck_asks_the_port_the_bot_serves_it_on(healthz: tuple[int, Verdicts]) -> None:
    """HEALTH_PORT when set, else PORT, as Settings.health_port_number; within Docker's
    timeout for the check."""
    port, _ = healthz
    elsewhere = str(free_port())
    for env in ({"HEALTH_PORT": str(port), "PORT": elsewhere}, {"PORT": str(port)}):
        assert Settings.from_env(env).health_port_number == port
        assert healthcheck(env).returncode == 0, env
    assert healthcheck({"HEALTH_PORT": elsewhere, "PORT": str(port)}).returncode == 1
    check = only(read_dockerfile(), "HEALTHCHECK")
    docker_timeout = int(
        dict(f.removeprefix("--").split("=") for f in check.flags)["timeout"].rstrip("s")
    )
    (client_timeout,) = re.findall(r"timeout=(\d+)", check.exec_form()[2])
    assert int(client_timeout) < docker_timeout


# compose's services, run as written ----------------------------------------------------------


@dataclass
class Running:
    """A process started with its stderr read on a thread (so it never blocks on a full pipe),
    until a line says it is ready."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    ready: bool = False
    told: threading.Event = field(default_factory=threading.Event)  # ready, or gone

    @classmethod
    def start(cls, argv: list[str], env: dict[str, str], cwd: Path, marker: str) -> Running:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stderr=subprocess.PIPE, text=True)
        running = cls(process)

        def read() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                running.lines.append(line)
                if marker in line:
                    running.ready = True
                    running.told.set()
            running.told.set()

        threading.Thread(target=read, daemon=True).start()
        return running

    def wait_ready(self, timeout: float = 60) -> None:
        self.told.wait(timeout)
        if not self.ready:
            self.process.kill()
            pytest.fail(f"{self.process.args} did not start:\n{''.join(self.lines)}")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=90)


def up_and_down(
    python: str, image_env: dict[str, str], cwd: Path, fake_slack: FakeSlack, database_url: str
) -> None:
    """compose.yaml's bot services, each command as written with `python` the
    given one, and the environment a container gets: the image's, then the env file's and the
    service's, which win (with the database, Slack and port the test's). The upgrade exits 0;
    the front, a worker and a scheduler start; the image's healthcheck passes; on SIGTERM each
    exits 0, and the healthcheck then fails."""
    services = bot_services(compose())
    variables = {"POSTGRES_PASSWORD": SAMPLE_PASSWORD}
    port = free_port()
    wire = {
        "SLACK_BOT_TOKEN": fake_slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.base_url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
    }

    def env_of(service: dict[str, Any]) -> dict[str, str]:
        return {**image_env, **service_env(service, variables), **wire}

    def argv_of(service: dict[str, Any]) -> list[str]:
        return [python, *service["command"][1:]]

    by_command = {bot_argv(s["command"])[0]: s for s in services.values()}
    upgrade = subprocess.run(
        argv_of(by_command["db"]),
        cwd=cwd,
        env=env_of(by_command["db"]),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    assert "Database ready" in upgrade.stdout
    started = []
    try:
        for name, marker in (
            ("run", "starting"),
            ("worker", "worker started"),
            ("scheduler", "scheduler started"),
        ):
            running = Running.start(
                argv_of(by_command[name]), env_of(by_command[name]), cwd, marker
            )
            started.append(running)
            running.wait_ready()
        front_log = "".join(started[0].lines)
        assert "scheduler disabled" in front_log
        checked = healthcheck(env_of(by_command["run"]), python)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    finally:
        codes = [running.stop() for running in started]
    assert codes == [0, 0, 0], "".join(line for r in started for line in r.lines)
    assert healthcheck(env_of(by_command["run"]), python).returncode == 1


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_compose_services_run_as_written_on_postgresql(
    fake_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    """From this tree: upgrade, front, worker and scheduler, as compose runs them."""
    image_env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(REPO)}
    up_and_down(sys.executable, image_env, tmp_path, fake_slack, database_url)


# The opt-in fresh install --------------------------------------------------------------------

FRESH = os.environ.get("MENTORBOT_FRESH_INSTALL") == "1"


def stage_env(
    instructions: list[Instruction],
    stage: str,
    outside: Mapping[str, str],
    moved: Callable[[str], str],
) -> dict[str, str]:
    """The ENV lines of a stage (`NAME=value …`), `$NAME` taken from `outside`."""
    env: dict[str, str] = {}
    for instruction in instructions:
        if instruction.keyword == "ENV" and instruction.stage == stage:
            for pair in shlex.split(instruction.arguments):
                name, _, value = pair.partition("=")
                env[name] = moved(re.sub(r"\$(\w+)", lambda m: {**outside, **env}[m[1]], value))
    return env


def copy_context(target: Path) -> None:
    for relative in build_context():
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / relative, target / relative)


@pytest.mark.skipif(
    not FRESH,
    reason="set MENTORBOT_FRESH_INSTALL=1 to build and install the image's virtualenv outside "
    "Docker (about a minute; needs the package index)",
)
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_dockerfile_builds_a_virtualenv_the_services_run_from(
    fake_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    """The build stage's RUN lines, as written but for their absolute paths (moved under
    tmp_path) and BuildKit's cache mount, in a copy of the build context, with `python` the
    interpreter this virtualenv was made from; then the runtime stage's RUN lines that run
    Python (the account it creates needs root) and compose's services, from the new
    virtualenv, in its WORKDIR, with nothing of this tree on the path."""
    instructions = read_dockerfile()
    places = {
        "/opt/mentorbot": tmp_path / "opt" / "mentorbot",
        "/wheels": tmp_path / "wheels",
        "/src": tmp_path / "src",
        "/data": tmp_path / "data",
    }

    def moved(text: str) -> str:
        for inside, outside in places.items():
            text = re.sub(rf"{re.escape(inside)}(?=/|\s|$)", str(outside), text)
        return text

    assert only(instructions, "WORKDIR", "build").arguments == "/src"
    assert only(instructions, "WORKDIR", "runtime").arguments == "/data"
    copy_context(places["/src"])
    places["/data"].mkdir()
    base = tmp_path / "base"
    base.mkdir()
    (base / "python").symlink_to(getattr(sys, "_base_executable", sys.executable))
    build_env = {
        "PATH": f"{base}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        # BuildKit's cache mount keeps pip's cache from one build to the next: so does this.
        "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
        **stage_env(instructions, "build", {}, moved),
    }
    for run in runs(instructions, "build"):
        assert all(flag.startswith("--mount=type=cache") for flag in run.flags)
        done = subprocess.run(
            ["/bin/sh", "-c", moved(run.arguments)],
            cwd=places["/src"],
            env=build_env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    venv_bin = places["/opt/mentorbot"] / "bin"
    runtime_env = {
        "HOME": str(tmp_path),
        **stage_env(instructions, "runtime", {"PATH": os.environ["PATH"]}, moved),
    }
    assert runtime_env["PATH"].startswith(f"{venv_bin}:")
    for run in runs(instructions, "runtime"):
        if run.arguments.startswith("python "):
            done = subprocess.run(
                ["/bin/sh", "-c", run.arguments],
                cwd=places["/data"],
                env=runtime_env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, done.stderr
    up_and_down(str(venv_bin / "python"), runtime_env, places["/data"], fake_slack, database_url)
