"""A local HTTPS server that answers ARM and Microsoft Graph calls from files.

``recorded/routes.json`` lists the routes: a request matches a route when its
path is equal (case-insensitive) or starts with the route's ``prefix``, and
every query value the route names equals the request's (nested ``$expand``
options left out). The most specific route wins. ``{base}`` in a recorded
file becomes the server's own URL, so ``nextLink`` / ``@odata.nextLink``
lead back here.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from azure.core.credentials import AccessToken, AccessTokenInfo
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

RECORDED = Path(__file__).parent / "recorded"
_FAULT_CODES = {403: "AuthorizationFailed", 429: "TooManyRequests", 503: "ServerBusy"}
# A distinctive token, so tests can prove it never reaches a file or a log.
TOKEN = "crosstrust-test-bearer-token-never-written"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1; returns (cert, key) paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.DNSName("localhost"),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = folder / "cert.pem"
    key_path = folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class FakeCredential:
    """A TokenCredential that hands out one dummy token and counts requests."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.scopes: list[str] = []
        self.tenants: list[str | None] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.extend(scopes)
        self.tenants.append(kwargs.get("tenant_id"))
        return AccessToken(self.token, int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        self.scopes.extend(scopes)
        self.tenants.append((options or {}).get("tenant_id"))
        return AccessTokenInfo(self.token, int(time.time()) + 3600)


@dataclass(frozen=True, slots=True)
class Route:
    """One recorded answer."""

    path: str
    file: str
    status: int = 200
    query: dict[str, str] = field(default_factory=dict)
    prefix: bool = False

    def matches(self, path: str, query: dict[str, str]) -> bool:
        wanted = self.path.lower()
        found = (
            path.lower().startswith(wanted) if self.prefix else path.lower() == wanted
        )
        return found and all(
            _bare(query.get(k, "")) == v for k, v in self.query.items()
        )

    def weight(self) -> tuple[int, int, int]:
        return (not self.prefix, len(self.query), len(self.path))


@dataclass(slots=True)
class Seen:
    """A request as the server saw it."""

    path: str
    query: dict[str, str]
    authorization: str
    status: int


class FakeAzure:
    """The server; ``faults`` maps a path to statuses answered before the file."""

    def __init__(
        self,
        cert: Path,
        key: Path,
        routes: list[Route],
        *,
        root: Path = RECORDED,
        latency: float = 0.0,
    ) -> None:
        self.routes = sorted(routes, key=Route.weight, reverse=True)
        self.root = root
        self.latency = latency
        self.seen: list[Seen] = []
        self.faults: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self._server.socket = context.wrap_socket(
            self._server.socket,
            server_side=True,
        )
        self.url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @classmethod
    def recorded(cls, cert: Path, key: Path) -> FakeAzure:
        table = json.loads((RECORDED / "routes.json").read_text(encoding="utf-8"))
        return cls(cert, key, [Route(**row) for row in table])

    def start(self) -> FakeAzure:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.seen.clear()
            self.faults.clear()

    def answer(self, raw_path: str, authorization: str) -> tuple[int, bytes]:
        if self.latency:
            time.sleep(self.latency)
        parts = urlsplit(raw_path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        status, body = self._pick(parts.path, query)
        with self._lock:
            self.seen.append(Seen(parts.path, query, authorization, status))
        return status, body.replace("{base}", self.url).encode("utf-8")

    def _pick(self, path: str, query: dict[str, str]) -> tuple[int, str]:
        with self._lock:
            pending = self.faults.get(path.lower())
            if pending:
                status = pending.pop(0)
                code = _FAULT_CODES.get(status, "InternalServerError")
                return status, _error(code, f"injected {status}")
        for route in self.routes:
            if route.matches(path, query):
                text = (self.root / route.file).read_text(encoding="utf-8")
                return route.status, text
        return 404, _error("NotRecorded", f"no recorded answer for {path}")

    def paths(self, status: int | None = None) -> list[str]:
        return [s.path for s in self.seen if status is None or s.status == status]


def _bare(value: str) -> str:
    """A value without nested options: ``owners($select=id)`` is ``owners``."""
    nested = re.fullmatch(r"(\w+)\(.+\)", value)
    return nested.group(1) if nested else value


def _error(code: str, message: str) -> str:
    return json.dumps({"error": {"code": code, "message": message}})


def _handler(server: FakeAzure) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as two writes; Nagle would hold the second.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            status, body = server.answer(
                self.path,
                self.headers.get("Authorization", ""),
            )
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if status == 429:
                self.send_header("Retry-After", "0")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    return Handler
