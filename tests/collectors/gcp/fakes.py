"""Local stand-ins for Google's APIs that serve recorded REST responses.

A route names a request (REST: method, path and query; gRPC: method and
request fields) and a fixture file holding the response body in the REST
API's JSON shape; an error body (``{"error": {"code": 403, ...}}``) is
served with its status, over gRPC as the matching status code.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import grpc
from google.cloud.iam_admin_v1 import types as iam_types
from google.iam.v1 import iam_policy_pb2, policy_pb2
from google.protobuf import json_format

RECORDED = Path(__file__).parent / "recorded"
PAGE_TOKEN = ("pageToken", "page_token")


@dataclass(frozen=True, slots=True)
class Route:
    """``match`` holds the query parameters or request fields that must agree."""

    method: str
    path: str
    body: str
    match: dict[str, str] = field(default_factory=dict)
    times: int = 0  # answers this route gives before it stands aside; 0: no limit

    def matches(self, method: str, path: str, params: dict[str, str]) -> bool:
        if (method, path) != (self.method, self.path):
            return False
        wanted = {k: v for k, v in self.match.items() if k not in PAGE_TOKEN}
        token = next((self.match[k] for k in PAGE_TOKEN if k in self.match), "")
        given = next((params[k] for k in PAGE_TOKEN if params.get(k)), "")
        return token == given and all(params.get(k) == v for k, v in wanted.items())


_NAMING = ("name", "resource", "parent")


def _route_key(route: Route) -> tuple[str, str, str]:
    named = next((route.match[k] for k in _NAMING if k in route.match), "")
    return route.method, route.path, named


def load_routes(name: str) -> list[Route]:
    rows = json.loads((RECORDED / name).read_text())
    return [
        Route(r["method"], r["path"], r["body"], r.get("match", {}), r.get("times", 0))
        for r in rows
    ]


@dataclass(slots=True)
class Recorded:
    """Routes and a log of every request served.

    Routes that name the request's resource are tried before routes that
    name none; within each, the first match wins.
    """

    routes: list[Route]
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    used: dict[int, int] = field(default_factory=dict)
    authorizations: set[str] = field(default_factory=set)
    root: Path = RECORDED
    latency: float = 0.0  # seconds each answer waits, to stand in for a network
    _index: dict[tuple[str, str, str], list[Route]] = field(default_factory=dict)
    _indexed: int = -1
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(
        self, method: str, path: str, params: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        if self.latency:
            time.sleep(self.latency)
        with self.lock:
            self.requests.append((method, path, params))
            route = self._route(method, path, params)
        if route is not None:
            body = json.loads((self.root / route.body).read_text())
            status = body["error"]["code"] if "error" in body else 200
            return status, body
        message = f"no recorded response for {method} {path} {params}"
        return 404, {"error": {"code": 404, "message": message, "status": "NOT_FOUND"}}

    def _route(self, method: str, path: str, params: dict[str, str]) -> Route | None:
        # Routes that name their resource are looked up by it, before the rest.
        if self._indexed != len(self.routes):
            self._index = {}
            for route in self.routes:
                self._index.setdefault(_route_key(route), []).append(route)
            self._indexed = len(self.routes)
        named = [(method, path, params[k]) for k in _NAMING if params.get(k)]
        for key in [*named, (method, path, "")]:
            for route in self._index.get(key, []):
                if not route.matches(method, path, params):
                    continue
                if route.times and self.used.get(id(route), 0) >= route.times:
                    continue
                self.used[id(route)] = self.used.get(id(route), 0) + 1
                return route
        return None

    def served(self, path: str) -> list[dict[str, str]]:
        """The parameters of every request for ``path``, in arrival order."""
        return [params for _, p, params in self.requests if p == path]

    def add(self, route: Route) -> None:
        """Put one route first."""
        self.routes.insert(0, route)


class RestFake:
    """An HTTP server on 127.0.0.1 answering REST calls from recorded files."""

    def __init__(self, recorded: Recorded) -> None:
        self.recorded = recorded
        handler = _rest_handler(recorded)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            daemon=True,
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> RestFake:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _rest_handler(recorded: Recorded) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._answer(self.rfile.read(length).decode())

        def _answer(self, body: str = "") -> None:
            url = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(url.query).items()}
            if body:
                params["body"] = body
            recorded.authorizations.add(self.headers.get("Authorization", ""))
            status, body = recorded.answer(self.command, unquote(url.path), params)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    return Handler


# The IAM admin methods the collector calls: request type, response type.
_IAM_METHODS: dict[str, tuple[Any, Any, str]] = {
    "ListServiceAccounts": (
        iam_types.ListServiceAccountsRequest,
        iam_types.ListServiceAccountsResponse,
        "name",
    ),
    "ListServiceAccountKeys": (
        iam_types.ListServiceAccountKeysRequest,
        iam_types.ListServiceAccountKeysResponse,
        "name",
    ),
    "ListRoles": (iam_types.ListRolesRequest, iam_types.ListRolesResponse, "parent"),
}
_STATUS = {code.name: code for code in grpc.StatusCode}


class GrpcIamFake:
    """An in-process gRPC server for ``google.iam.admin.v1.IAM`` on 127.0.0.1."""

    def __init__(self, recorded: Recorded) -> None:
        self.recorded = recorded
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
        handlers = {
            name: _unary(recorded, name, request, response, key)
            for name, (request, response, key) in _IAM_METHODS.items()
        }
        handlers["GetIamPolicy"] = grpc.unary_unary_rpc_method_handler(
            _get_iam_policy(recorded),
            request_deserializer=iam_policy_pb2.GetIamPolicyRequest.FromString,
            response_serializer=policy_pb2.Policy.SerializeToString,
        )
        self._server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler("google.iam.admin.v1.IAM", handlers),)
        )
        self.port = self._server.add_insecure_port("127.0.0.1:0")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> GrpcIamFake:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop(grace=None)


def _reply(
    recorded: Recorded, method: str, params: dict[str, str], context: Any
) -> Any:
    status, body = recorded.answer("RPC", method, params)
    if status != 200:
        error = body["error"]
        code = _STATUS.get(str(error.get("status", "")), grpc.StatusCode.UNKNOWN)
        context.abort(code, str(error.get("message", "")))
    return body


def _unary(
    recorded: Recorded, method: str, request_type: Any, response_type: Any, key: str
) -> grpc.RpcMethodHandler:
    def handle(request: Any, context: Any) -> Any:
        params = {key: getattr(request, key), "page_token": request_token(request)}
        body = _reply(recorded, method, params, context)
        return response_type.from_json(json.dumps(body), ignore_unknown_fields=True)

    return grpc.unary_unary_rpc_method_handler(
        handle,
        request_deserializer=request_type.deserialize,
        response_serializer=response_type.serialize,
    )


def request_token(request: Any) -> str:
    return str(getattr(request, "page_token", "") or "")


def _get_iam_policy(recorded: Recorded) -> Callable[[Any, Any], Any]:
    def handle(request: Any, context: Any) -> Any:
        params = {
            "resource": request.resource,
            "version": str(request.options.requested_policy_version),
        }
        body = _reply(recorded, "GetIamPolicy", params, context)
        return json_format.ParseDict(body, policy_pb2.Policy())

    return handle
