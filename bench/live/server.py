"""The product's real server for the bench: uvicorn serving negprep.asgi with its workers."""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time

from bench.common import ROOT

HOST = "127.0.0.1"


class BenchError(Exception):
    pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def uvicorn(*, workers: int, log_path):
    """uvicorn on a free loopback port with the bench's environment; stopped however the block ends."""
    port = _free_port()
    command = [
        sys.executable, "-m", "uvicorn", "negprep.asgi:application", "--host", HOST, "--port", str(port),
        "--workers", str(workers), "--no-proxy-headers", "--no-access-log", "--log-level", "warning",
        "--timeout-graceful-shutdown", "5",
    ]  # fmt: skip
    with open(log_path, "ab") as log:
        server = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=dict(os.environ), stdout=log, stderr=log, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise BenchError(f"uvicorn stopped (exit {server.returncode}); see {log_path}")
            with contextlib.suppress(OSError):
                connection = http.client.HTTPConnection(HOST, port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            if time.monotonic() > deadline:
                raise BenchError(f"uvicorn did not answer within 60 s; see {log_path}")
            time.sleep(0.2)
        yield port
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
