"""An LLM app instrumented twice, run as its own process: `python instrumented_app.py STACK OUT LEDGER`.

The real provider SDKs call the fake API (fake_provider_api.py) on loopback, and the real
instrumentation libraries trace them, exported as a collector's `format: proto` file would hold them
(length-framed ExportTraceServiceRequest messages). STACK chooses who traces each call:

- anthropic+openllmetry: the Anthropic SDK's own spans and OpenLLMetry's, siblings with one response id;
- anthropic+openinference: the Anthropic SDK's own spans and OpenInference's;
- openai+openinference+otel: OpenInference and the official OpenTelemetry instrumentation (openai-v2)
  on one client, nested, and OpenInference writes no response id.

Per tenant the app makes a plain call, a streamed call, a call that fails and is retried by the app, a
call that fails over to a smaller model, and two identical calls at once under one parent: retries,
fallbacks and parallel twins are distinct calls. The ledger is what the fake API billed.
"""

from __future__ import annotations

import contextvars
import json
import sys
import threading
from pathlib import Path

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

sys.path.insert(0, str(Path(__file__).parent))
from fake_provider_api import FakeProviderApi

TENANTS = ("acme", "globex")
MODELS = {"anthropic": ("claude-sonnet-4", "claude-3-5-haiku-20241022"), "openai": ("gpt-4o", "gpt-4o-mini")}


class FramedProtoExporter(SpanExporter):
    """What a collector's file exporter writes with `format: proto`: 4-byte big-endian length + message."""

    def __init__(self, path: Path):
        self._file = path.open("ab")

    def export(self, spans):
        body = encode_spans(spans).SerializeToString()
        self._file.write(len(body).to_bytes(4, "big") + body)
        self._file.flush()
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self._file.close()


def _instrument(stack: str, provider: TracerProvider) -> str:
    if stack == "anthropic+openllmetry":
        from opentelemetry.instrumentation.anthropic import AnthropicInstrumentor

        AnthropicInstrumentor().instrument(tracer_provider=provider)
        return "anthropic"
    if stack == "anthropic+openinference":
        from openinference.instrumentation.anthropic import AnthropicInstrumentor

        AnthropicInstrumentor().instrument(tracer_provider=provider)
        return "anthropic"
    if stack == "openai+openinference+otel":
        from openinference.instrumentation.openai import OpenAIInstrumentor
        from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor as OfficialInstrumentor

        OpenAIInstrumentor().instrument(tracer_provider=provider)
        OfficialInstrumentor().instrument(tracer_provider=provider)
        return "openai"
    raise SystemExit(f"unknown stack {stack!r}")


def _caller(vendor: str, api: FakeProviderApi, provider: TracerProvider, tenant: str):
    """call(model, stream=False, fail=None): one request through the real SDK."""
    headers = {"x-tenant": tenant}
    if vendor == "anthropic":
        import anthropic

        client = anthropic.Anthropic(
            api_key="test", base_url=api.base_url, max_retries=0, default_headers=headers,
            open_telemetry={"tracer_provider": provider},
        )  # fmt: skip

        def call(model: str, stream: bool = False, fail: int | None = None) -> None:
            extra = {"x-fail": str(fail)} if fail else {}
            kwargs = {"model": model, "max_tokens": 100, "extra_headers": extra,
                      "messages": [{"role": "user", "content": "Summarise the ticket"}]}  # fmt: skip
            if stream:
                with client.messages.stream(**kwargs) as events:
                    for _ in events.text_stream:
                        pass
            else:
                client.messages.create(**kwargs)

        return call, anthropic.APIStatusError
    import openai

    client = openai.OpenAI(
        api_key="test", base_url=api.base_url + "/v1", max_retries=0, default_headers=headers
    )

    def call(model: str, stream: bool = False, fail: int | None = None) -> None:
        extra = {"x-fail": str(fail)} if fail else {}
        messages = [{"role": "user", "content": "Summarise the ticket"}]
        if stream:
            chunks = client.chat.completions.create(
                model=model, messages=messages, stream=True, stream_options={"include_usage": True},
                extra_headers=extra,
            )  # fmt: skip
            for _ in chunks:
                pass
        else:
            client.chat.completions.create(model=model, messages=messages, extra_headers=extra)

    return call, openai.APIStatusError


def main(stack: str, out: Path, ledger: Path) -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": f"support-bot ({stack})"}))
    provider.add_span_processor(SimpleSpanProcessor(FramedProtoExporter(out)))
    trace.set_tracer_provider(provider)
    vendor = _instrument(stack, provider)
    primary, smaller = MODELS[vendor]
    api = FakeProviderApi()
    tracer = trace.get_tracer("support-bot")
    for tenant in TENANTS:
        call, api_error = _caller(vendor, api, provider, tenant)
        with tracer.start_as_current_span(
            "handle_ticket", attributes={"tenant.id": tenant, "app.feature": "triage"}
        ):
            call(primary)
            call(primary, stream=True)
            try:  # the app retries a failed call itself: two calls, one billed
                call(primary, fail=529)
            except api_error:
                call(primary, stream=False)
            try:  # and fails over to a smaller model
                call(primary, fail=500)
            except api_error:
                call(smaller)
            twins = [
                threading.Thread(target=contextvars.copy_context().run, args=(call, primary))
                for _ in range(2)
            ]
            for thread in twins:
                thread.start()
            for thread in twins:
                thread.join()
    provider.shutdown()
    ledger.write_text(json.dumps(api.ledger))
    api.shutdown()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
