"""Serving NegPrep with gunicorn and loading it with wrk."""

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT
from bench.pages.base import CONNECTIONS, DRAIN_TIMEOUT, HOST, REQUEST_TIMEOUT, SECONDS, WORKERS, BenchError


@dataclass
class Run:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    failures: int  # non-2xx/3xx answers, socket errors and timeouts


def _free_port() -> int:
    if os.environ.get("BENCH_PORT"):
        return int(os.environ["BENCH_PORT"])
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port, path, cookie=None, timeout=REQUEST_TIMEOUT):
    """One GET, redirects not followed; returns (status, headers)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Accept-Encoding": "gzip", **({"Cookie": cookie} if cookie else {})}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        connection.close()


@contextlib.contextmanager
def gunicorn(env, log_path):
    """gunicorn serving on a free loopback port; stopped (with its workers) however the block ends."""
    port = _free_port()
    command = [
        sys.executable, "-m", "gunicorn", "negprep.wsgi:application",
        "--bind", f"{HOST}:{port}", "--workers", str(WORKERS), "--no-control-socket",
        # Slow pages are measured, not killed.
        "--timeout", str(DRAIN_TIMEOUT),
    ]  # fmt: skip
    with open(log_path, "ab") as log:
        server = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise BenchError(f"gunicorn stopped (exit {server.returncode}):\n{_tail(log_path)}")
            with contextlib.suppress(OSError):
                if get(port, "/bench/floor", timeout=5)[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise BenchError(f"gunicorn did not answer within 60 s:\n{_tail(log_path)}")
            time.sleep(0.2)
        yield port
    finally:
        _stop(server)


def _stop(server):
    if server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)  # its own group: the master and its workers
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def _tail(path, lines=20):
    return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _latency_ms(output, percentile) -> float:
    match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
    return float(match[1]) * _UNITS_MS[match[2]] if match else float("nan")


def wrk(port, path, cookie) -> Run:
    command = [
        "wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", f"--timeout={REQUEST_TIMEOUT}s",
        "-H", "Accept-Encoding: gzip",
    ]  # fmt: skip
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(f"http://{HOST}:{port}{path}")
    done = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, timeout=SECONDS + REQUEST_TIMEOUT + 30, check=True
    )
    output = done.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    failures = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        failures += sum(int(n) for n in socket_errors.groups())
    return Run(
        requests_per_second=float(rate[1]) if rate else 0.0,
        p50_ms=_latency_ms(output, 50),
        p99_ms=_latency_ms(output, 99),
        requests=int(total[1]) if total else 0,
        failures=failures,
    )


def drain(port):
    """Wait for the requests wrk left in the queue, so that the next run starts on an idle server."""
    for _ in range(WORKERS):
        get(port, "/bench/floor", timeout=DRAIN_TIMEOUT)
