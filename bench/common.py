"""What both benchmarks share: processes (vpabot serve, bare Bolt, fake Slack), a keep-alive
HTTP load generator and percentiles; the signed requests are in ``bench.payloads``.

Everything talks to 127.0.0.1 only. Settings reach ``vpabot serve`` as environment
variables; ``VPA_ENV_FILE`` is empty and the working directory is a temp dir, so no
``.env`` on the machine leaks in.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.payloads import ADMIN, ADMIN_2, JSON, MANAGER, SECRET, Req, sign

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "xoxb-bench"
TEAM_CHANNEL = "CTEAM"
HOST = "127.0.0.1"


# -- HTTP -------------------------------------------------------------------------------------
@dataclass
class Result:
    status: int
    body: bytes
    seconds: float


class Client:
    """One keep-alive connection, like one of Slack's; reconnects after an error."""

    def __init__(self, port: int, timeout: float = 10.0) -> None:
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def send(self, req: Req, *, timestamp: int | None = None, signature: str | None = None,
             path: str = "/slack/events") -> Result:
        headers = {"Content-Type": req.content_type, **sign(req.body, timestamp), **req.headers}
        if signature is not None:
            headers["X-Slack-Signature"] = signature
        start = time.perf_counter()
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.conn.request("POST", path, body=req.body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return Result(response.status, data, time.perf_counter() - start)
            except (ConnectionError, http.client.HTTPException) as error:
                # A server closing an idle keep-alive connection: retry once on a fresh one.
                self.close()
                stale = isinstance(error, (http.client.RemoteDisconnected, BrokenPipeError))
                if attempt == 2 or not stale:
                    return Result(0, repr(error).encode(), time.perf_counter() - start)
                start = time.perf_counter()
            except TimeoutError as error:
                self.close()
                return Result(0, repr(error).encode(), time.perf_counter() - start)
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def load(port: int, make: Callable[[int], Req], n: int, clients: int,
         *, budget_s: float = 120.0) -> list[Result]:
    """``n`` requests from ``clients`` concurrent keep-alive connections, each sending its
    next request as soon as the last one is answered (closed loop). Bounded by ``budget_s``."""
    counter = itertools.count()
    results: list[Result | None] = [None] * n
    deadline = time.monotonic() + budget_s
    ready = threading.Barrier(clients + 1)

    def worker() -> None:
        client = Client(port)
        ready.wait()
        try:
            while time.monotonic() < deadline:
                i = next(counter)
                if i >= n:
                    return
                results[i] = client.send(make(i))
        finally:
            client.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    for t in threads:
        t.join(budget_s + 15)
    return [r for r in results if r is not None]


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile: p99 is a real sample, not an interpolation."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_healthy(port: int, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}:\n{tail(log)}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"not healthy after {timeout}s:\n{tail(log)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# -- processes ----------------------------------------------------------------------------------
class FakeSlackProcess:
    """``bench.fakeproc`` in a child process; methods of ``FakeSlack`` are called over JSON."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.fakeproc", "--token", TOKEN], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise RuntimeError("fake Slack did not start")
        info = json.loads(line)
        self.api_url, self.url, self._control = info["api"], info["url"], info["control"]

    def _rpc(self, request: dict[str, Any]) -> Any:
        conn = http.client.HTTPConnection(HOST, self._control, timeout=60)
        conn.request("POST", "/", body=json.dumps(request), headers={"Content-Type": JSON})
        out = json.loads(conn.getresponse().read())
        conn.close()
        if not out["ok"]:
            raise RuntimeError(out["error"])
        return out["result"]

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self._rpc({"op": "call", "name": name, "args": list(args), "kwargs": kwargs})

    def has(self, name: str) -> bool:
        return bool(self._rpc({"op": "has", "name": name}))

    def calls(self, *methods: str, since: int = 0) -> list[dict[str, Any]]:
        return self._rpc({"op": "calls", "methods": list(methods), "since": since})

    def count(self, *methods: str) -> int:
        return int(self._rpc({"op": "count", "methods": list(methods)}))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def vpabot_command() -> list[str]:
    """The installed console script next to this interpreter (what an operator runs)."""
    script = Path(sys.executable).parent / "vpabot"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from vpabot.bot.cli import main; sys.exit(main())"]


def serve_env(database_url: str, api_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "VPA_", "DATABASE_URL"))}
    env.update({
        "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api_url,
        "DATABASE_URL": database_url, "VPA_ADMIN_IDS": f"{ADMIN},{ADMIN_2}",
        "VPA_MANAGER_IDS": MANAGER, "VPA_TEAM_CHANNEL": TEAM_CHANNEL,
        # Empty: no named file; the working directory (a temp dir) has no .env either.
        "VPA_ENV_FILE": "", "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


def proc_field_mb(path: str, field: str) -> float:
    """A ``kB`` figure from a /proc file (``status``, ``smaps_rollup``) in MB; NaN if gone."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def child_pids(pid: int) -> list[int]:
    """The processes ``pid`` started (a web process's read process), from /proc."""
    pids: list[int] = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            pids += [int(c) for c in children.read_text().split()]
        except OSError:
            pass
    return sorted(set(pids))


class Process:
    """A server child process with its log in ``workdir``; stop is SIGTERM, then SIGKILL."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], workdir: Path,
                 port: int, *, cwd: Path | None = None, start_timeout: float = 120.0) -> None:
        self.name, self.port = name, port
        self.log = workdir / f"{name}.log"
        self._logfile = self.log.open("ab")
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd or workdir, stdout=self._logfile,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_healthy(port, self.proc, start_timeout, self.log)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def peak_rss_mb(self) -> float:
        """VmHWM: the kernel's high-water mark of this process's resident set."""
        return proc_field_mb(f"/proc/{self.pid}/status", "VmHWM:")

    def stop(self, timeout: float = 30.0) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._logfile.close()
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self._logfile.close()

    def tracebacks(self) -> int:
        try:
            return self.log.read_text(errors="replace").count("Traceback (most recent call last)")
        except OSError:
            return 0


def start_vpabot(workdir: Path, database_url: str, api_url: str, *, name: str = "vpabot",
                 threads: int = 8, role: str = "all", **extra: str) -> Process:
    port = free_port()
    argv = [*vpabot_command(), "serve", "--host", HOST, "--port", str(port),
            "--threads", str(threads), "--role", role]
    return Process(name, argv, serve_env(database_url, api_url, **extra), workdir, port)


def start_worker(workdir: Path, database_url: str, api_url: str, *, name: str = "vpabot-worker",
                 **extra: str) -> Process:
    """``vpabot worker``; its health port is how the bench knows it is up."""
    port = free_port()
    env = serve_env(database_url, api_url, VPA_HEALTH_PORT=str(port), **extra)
    return Process(name, [*vpabot_command(), "worker"], env, workdir, port)


class Deployment:
    """vpabot as production runs it: ``vpabot serve --role web`` answering Slack and a
    ``vpabot worker`` doing the work (``split``), or one ``vpabot serve`` doing both.

    Stands in for a ``Process`` where the bench talks to "vpabot": ``port`` is the web
    process's, memory and tracebacks cover every process.
    """

    def __init__(self, workdir: Path, database_url: str, api_url: str, *, split: bool = True,
                 name: str = "vpabot", **extra: str) -> None:
        self.split = split
        self.web = start_vpabot(workdir, database_url, api_url, name=name,
                                role="web" if split else "all", **extra)
        self.processes = [self.web]
        if split:
            self.processes.append(start_worker(workdir, database_url, api_url,
                                               name=f"{name}-worker", **extra))

    @property
    def port(self) -> int:
        return self.web.port

    def peak_rss_by_process(self) -> dict[str, float]:
        """VmHWM of each process, a web process's read process included."""
        peaks: dict[str, float] = {}
        for p in self.processes:
            peaks[p.name] = p.peak_rss_mb()
            for n, child in enumerate(child_pids(p.pid), 1):
                peaks[f"{p.name} read process{f' {n}' if n > 1 else ''}"] = proc_field_mb(
                    f"/proc/{child}/status", "VmHWM:")
        return peaks

    def peak_rss_mb(self) -> float:
        """The largest process's high-water mark."""
        return max(self.peak_rss_by_process().values())

    def pss_by_deployment_unit(self) -> dict[str, float]:
        """Now, per started process with its children: the sum of their PSS (proportional set
        size: a page the forked read process still shares with its parent counts once), what
        a container holding ``vpabot serve`` is charged. VmHWM would count shared pages twice."""
        return {p.name: sum(proc_field_mb(f"/proc/{pid}/smaps_rollup", "Pss:")
                            for pid in (p.pid, *child_pids(p.pid)))
                for p in self.processes}

    def tracebacks(self) -> int:
        return sum(p.tracebacks() for p in self.processes)

    def stop(self, timeout: float = 30.0) -> None:
        for p in self.processes:
            p.stop(timeout)

    def kill(self) -> None:
        for p in self.processes:
            p.kill()


def start_bare(workdir: Path, api_url: str, *, threads: int = 8, durable: str = "") -> Process:
    """The ack-only reference (``bench/bare.py``); ``durable``: a database URL, for the floor
    that commits one row per write before its ack."""
    port = free_port()
    env = serve_env("sqlite://", api_url, PYTHONPATH=str(ROOT))
    argv = [sys.executable, "-m", "bench.bare", "--port", str(port), "--threads", str(threads)]
    if durable:
        argv += ["--durable", durable]
    return Process("floor" if durable else "bare", argv, env, workdir, port, cwd=ROOT)


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                             capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True,
                               text=True, timeout=10).stdout.strip()
        return out + ("+dirty" if dirty else "")
    except OSError:
        return "unknown"


def copy_file(src: Path, dst: Path) -> None:
    shutil.copyfile(src, dst)
