"""The provider in a second process (Django's runserver), and a person's leg of a sign-in at it."""

import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import requests

from tests.integration.workers import wait_for

ROOT = Path(__file__).resolve().parents[2]
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Provider:
    def __init__(self, folder: Path):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.base}/o"
        self.log = folder / "provider.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
            "OIDC_PROVIDER_DB": str(folder / "provider.sqlite3"),
            "OIDC_PROVIDER_ISSUER": self.issuer,
        }
        self.process = None

    def start(self) -> None:
        subprocess.run(  # noqa: S603 - a fixed command line
            [sys.executable, "-m", "django", "migrate", "--run-syncdb", "--verbosity", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(self._answers, timeout=60, what="the OpenID Connect provider to answer")
        except AssertionError:
            self.stop()
            raise AssertionError(f"the provider did not start; its log ends:\n{self.output()}") from None

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the provider exited; its log ends:\n{self.output()}")
        try:
            return requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2).ok
        except requests.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def output(self) -> str:
        return self.log.read_text()[-4000:] if self.log.exists() else ""

    def add_client(self, *, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        response = requests.post(
            f"{self.base}/testing/client/",
            json={"client_id": client_id, "client_secret": client_secret, "redirect_uris": redirect_uris},
            timeout=10,
        )
        response.raise_for_status()

    def add_person(self, *, username: str, password: str, claims: dict, id_token: dict | None = None) -> str:
        """The person's ``sub``."""
        response = requests.post(
            f"{self.base}/testing/person/",
            json={"username": username, "password": password, "claims": claims, "id_token": id_token or {}},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()["sub"]

    def sign_in(self, authorize_url: str, *, username: str, password: str) -> str:
        """Go where NegPrep sent the browser, log in at the provider's form, and return the URL the
        provider sends the browser back to (NegPrep's callback, not followed)."""
        browser = requests.Session()
        url = authorize_url
        for _ in range(10):
            response = browser.get(url, allow_redirects=False, timeout=10)
            if response.status_code == 200 and "csrfmiddlewaretoken" in response.text:
                response = browser.post(
                    url,
                    data={
                        "csrfmiddlewaretoken": _CSRF.search(response.text).group(1),
                        "username": username,
                        "password": password,
                        "next": _next_of(url),
                    },
                    headers={"Referer": url},
                    allow_redirects=False,
                    timeout=10,
                )
            if response.status_code not in (301, 302, 303):
                raise AssertionError(f"the provider answered {response.status_code}: {response.text[:500]}")
            url = urljoin(url, response.headers["Location"])
            if not url.startswith(self.base):
                return url
        raise AssertionError("the provider kept redirecting")


def _next_of(url: str) -> str:
    return parse_qs(urlparse(url).query).get("next", [""])[0]
