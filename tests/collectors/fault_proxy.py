"""A local HTTP proxy in front of moto that answers chosen API calls with errors."""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_SECRET = re.compile(rb"<(SecretAccessKey|SessionToken)>([^<]+)</")
_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length"}


@dataclass(slots=True)
class Fault:
    """Answer ``action`` (``*``: any) when the body holds ``contains`` with
    error ``code``; with no code, forward it after ``delay`` seconds instead."""

    action: str
    code: str = ""
    contains: str = ""
    times: int | None = None
    status: int = 400
    delay: float = 0.0


class FaultProxy:
    """Forwards to ``upstream``; records actions seen and secrets returned."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.faults: list[Fault] = []
        self.actions: list[str] = []
        self.requests: list[tuple[str, bytes]] = []
        self.secrets: set[str] = set()
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fault_for(self, action: str, body: bytes) -> Fault | None:
        with self.lock:
            self.actions.append(action)
            self.requests.append((action, body))
            for fault in self.faults:
                if fault.action not in (action, "*") or fault.times == 0:
                    continue
                if fault.contains and fault.contains.encode() not in body:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None


def _action(headers: dict[str, str], body: bytes) -> str:
    target = headers.get("x-amz-target", "")
    if target:
        return target.rsplit(".", 1)[-1]
    form = parse_qs(body.decode("utf-8", errors="replace"))
    return form.get("Action", [""])[0]


def _error_body(fault: Fault, json_protocol: bool) -> tuple[bytes, str]:
    message = f"injected {fault.code} by the test proxy"
    if json_protocol:
        body = json.dumps({"__type": fault.code, "message": message})
        return body.encode(), "application/x-amz-json-1.1"
    xml = (
        "<ErrorResponse><Error><Type>Sender</Type>"
        f"<Code>{fault.code}</Code><Message>{message}</Message>"
        "</Error><RequestId>proxy</RequestId></ErrorResponse>"
    )
    return xml.encode(), "text/xml"


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_POST(self) -> None:
            self._relay()

        def do_GET(self) -> None:
            self._relay()

        def _relay(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            fault = proxy.fault_for(_action(headers, body), body)
            if fault is not None and fault.delay:
                time.sleep(fault.delay)
            if fault is not None and fault.code:
                payload, kind = _error_body(fault, "x-amz-target" in headers)
                self._answer(fault.status, {"Content-Type": kind}, payload)
                return
            self._forward(headers, body)

        def _forward(self, headers: dict[str, str], body: bytes) -> None:
            upstream = http.client.HTTPConnection(
                proxy.upstream.hostname, proxy.upstream.port, timeout=60
            )
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
                kept = {
                    k: v
                    for k, v in response.getheaders()
                    if k.lower() not in _HOP_HEADERS
                }
            finally:
                upstream.close()
            with proxy.lock:
                proxy.secrets.update(m[1].decode() for m in _SECRET.findall(payload))
            self._answer(response.status, kept, payload)

        def _answer(self, status: int, headers: dict[str, str], payload: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler
