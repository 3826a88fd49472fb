"""A tiny HTTP proxy in front of a local storage server, to inject the faults real clouds produce:
a 503 for a request, a body cut off mid-way, and writes that happen while a listing is answered."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


@dataclass
class Rule:
    method: str
    path_contains: str
    times: int  # how many matching requests it applies to
    status: int | None = None  # answer this instead of forwarding
    cut_after: int | None = None  # forward, but close the connection after this many body bytes
    before: Callable[[], None] | None = None  # run, then forward
    after: Callable[[], None] | None = None  # forward, run, then answer
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return self.hits < self.times and method == self.method and self.path_contains in path


@dataclass
class FaultProxy:
    upstream_port: int
    rules: list[Rule] = field(default_factory=list)
    log: list[tuple[str, str, int]] = field(default_factory=list)  # method, path, status answered
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> FaultProxy:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), ProxyHandler)
        self.server.proxy = self
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, method: str, path_contains: str, times: int = 1, **effect) -> Rule:
        rule = Rule(method, path_contains, times, **effect)
        with self.lock:
            self.rules.append(rule)
        return rule

    def requests(self, method: str, path_contains: str = "") -> list[tuple[str, str, int]]:
        return [entry for entry in self.log if entry[0] == method and path_contains in entry[1]]

    def _rule(self, method: str, path: str) -> Rule | None:
        with self.lock:
            for rule in self.rules:
                if rule.matches(method, path):
                    rule.hits += 1
                    return rule
        return None

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        method, path = request.command, request.path
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else None
        rule = self._rule(method, path)
        if rule and rule.status:
            self.log.append((method, path, rule.status))
            request.send_response(rule.status)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        if rule and rule.before:
            rule.before()
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream.request(method, path, body=body, headers=headers)
        response = upstream.getresponse()
        payload = response.read()
        upstream.close()
        if rule and rule.after:
            rule.after()
        self.log.append((method, path, response.status))
        request.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in HOP_BY_HOP and (key.lower() != "content-length" or method == "HEAD"):
                request.send_header(key, value)
        if method != "HEAD":
            request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        if method == "HEAD":
            return
        if rule and rule.cut_after is not None:
            request.wfile.write(payload[: rule.cut_after])
            request.wfile.flush()
            request.close_connection = True
            request.connection.shutdown(2)
            return
        request.wfile.write(payload)


class ProxyHandler(BaseHTTPRequestHandler):
    """Hands every request to the FaultProxy its server belongs to."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the clouds' clients expect

    def log_message(self, *args) -> None:
        pass  # no line a request on the test's stderr

    def _any(self) -> None:
        self.server.proxy.handle(self)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _any
