"""Fake Anthropic and OpenAI HTTP APIs on loopback, for fixtures written by the real SDKs.

Each response bills a fixed, realistic usage (prompt caching, reasoning) and the server keeps a ledger
of what it billed, per tenant (the `x-tenant` header the app sends): the expected numbers of the
conventions tests. A request with an `x-fail` header gets that HTTP status and bills nothing.
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ANTHROPIC_USAGE = {
    "input_tokens": 120,  # Anthropic: uncached input only
    "cache_creation_input_tokens": 300,
    "cache_read_input_tokens": 900,
    "output_tokens": 45,
}
OPENAI_USAGE = {
    "prompt_tokens": 1500,  # OpenAI: cached tokens included
    "completion_tokens": 80,
    "total_tokens": 1580,
    "prompt_tokens_details": {"cached_tokens": 1024},
    "completion_tokens_details": {"reasoning_tokens": 30},
}
SNAPSHOTS = {"claude-sonnet-4": "claude-sonnet-4-20250514", "gpt-4o": "gpt-4o-2024-08-06"}


class _Handler(BaseHTTPRequestHandler):
    server: FakeProviderApi

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
        provider = "anthropic" if self.path.endswith("/v1/messages") else "openai"
        failure = self.headers.get("x-fail")
        entry = {"provider": provider, "model": body.get("model"), "tenant": self.headers.get("x-tenant")}
        if failure:
            self.server.record({**entry, "status": int(failure), "usage": None})
            self._send(
                int(failure), {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}
            )
        elif provider == "anthropic":
            self.server.record({**entry, "status": 200, "usage": ANTHROPIC_USAGE})
            self._anthropic(body)
        else:
            self.server.record({**entry, "status": 200, "usage": OPENAI_USAGE})
            self._openai(body)

    def _send(self, code: int, payload: Any, content_type: str = "application/json") -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", "req_" + uuid.uuid4().hex[:12])
        self.end_headers()
        self.wfile.write(data)

    def _anthropic(self, body: dict[str, Any]) -> None:
        message = {
            "id": "msg_" + uuid.uuid4().hex[:16],
            "type": "message",
            "role": "assistant",
            "model": SNAPSHOTS.get(body["model"], body["model"]),
            "content": [{"type": "text", "text": "hello"}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": ANTHROPIC_USAGE,
        }
        if not body.get("stream"):
            self._send(200, message)
            return
        start = {
            **message,
            "content": [],
            "stop_reason": None,
            "usage": {**ANTHROPIC_USAGE, "output_tokens": 1},
        }
        events = [
            ("message_start", {"type": "message_start", "message": start}),
            (
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            ),
            (
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hello"}},
            ),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": ANTHROPIC_USAGE["output_tokens"]},
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
        data = b"".join(f"event: {name}\ndata: {json.dumps(e)}\n\n".encode() for name, e in events)
        self._send(200, data, "text/event-stream")

    def _openai(self, body: dict[str, Any]) -> None:
        response_id = "chatcmpl-" + uuid.uuid4().hex[:16]
        model = SNAPSHOTS.get(body["model"], body["model"])
        if not body.get("stream"):
            choice = {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
            self._send(200, {"id": response_id, "object": "chat.completion", "created": 1, "model": model,
                             "choices": [choice], "usage": OPENAI_USAGE})  # fmt: skip
            return
        head = {"id": response_id, "object": "chat.completion.chunk", "created": 1, "model": model}
        chunks = [
            {
                **head,
                "choices": [
                    {"index": 0, "delta": {"role": "assistant", "content": "hi"}, "finish_reason": None}
                ],
            },
            {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            {**head, "choices": [], "usage": OPENAI_USAGE},
        ]
        data = b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in chunks) + b"data: [DONE]\n\n"
        self._send(200, data, "text/event-stream")


class FakeProviderApi(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.ledger: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.ledger.append(entry)
