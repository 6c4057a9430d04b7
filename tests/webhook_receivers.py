"""Real HTTP servers that receive webhooks in the tests: one that takes them (200) and records each
request, one that answers 500, one too slow to answer in time, one that answers a little at a time
and never ends, and one on HTTPS with a certificate
of a certificate authority made for the test. Each listens on 127.0.0.1 in a thread of the test
process."""

import datetime
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    """A running server: its URL, what it received, and how it answers (``status``, ``delay``)."""

    status: int = 200
    delay: float = 0.0
    # Answers a header line every ``drip`` seconds and never ends: each read is quick, the answer endless.
    drip: float = 0.0
    received: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None
    release: threading.Event = field(default_factory=threading.Event)
    # HTTPS: the server's certificate and key files, and the host name the URL names.
    tls: tuple[Path, Path] | None = None
    host_name: str = "127.0.0.1"

    @property
    def url(self) -> str:
        port = self.server.server_address[1]
        return f"{'https' if self.tls else 'http'}://{self.host_name}:{port}/hooks/negprep"

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        """Wait until ``count`` requests arrived; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"the receiver got {len(self.received)} requests, not {count}")
            self.arrived.wait(0.1)
            self.arrived.clear()
        return self.received


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the name http.server calls
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            receiver.arrived.set()
            if receiver.delay:
                # Longer than the sender waits; released when the test ends.
                receiver.release.wait(receiver.delay)
            if receiver.drip:
                self.send_response(receiver.status)
                self.flush_headers()
                while not receiver.release.wait(receiver.drip):
                    self.wfile.write(b"X-Still-Thinking: yes\r\n")
                    self.wfile.flush()
                return
            self.send_response(receiver.status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if receiver.status < 300 else b"receiver trouble " + b"x" * 500)

        def log_message(self, *args):
            pass

    return Handler


def start_receiver(**options) -> Receiver:
    receiver = Receiver(**options)
    receiver.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.server.daemon_threads = True
    if receiver.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*receiver.tls)
        receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver


def stop_receiver(receiver: Receiver) -> None:
    receiver.release.set()
    receiver.server.shutdown()
    receiver.server.server_close()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_file(key, path: Path) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return path


def certificate_authority(folder: Path, *, server_names: list[str]) -> tuple[Path, tuple[Path, Path]]:
    """A certificate authority made for the test (its certificate file) and a server certificate it
    signed for ``server_names`` (certificate and key files)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("NegPrep test CA"))
        .issuer_name(_name("NegPrep test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                key_encipherment=False, data_encipherment=False, key_agreement=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    server = (
        x509.CertificateBuilder()
        .subject_name(_name(server_names[0]))
        .issuer_name(ca.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in server_names]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    server_file = folder / "server.pem"
    server_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    return ca_file, (server_file, _key_file(server_key, folder / "server-key.pem"))
