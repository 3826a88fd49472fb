"""The chargeback report as one self-contained HTML page a finance person can open and read.

No script, no web font, no external file: styles and inline SVG charts are in the page, so it reads
the same offline, attached to an email, or printed to PDF.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from orchestration.reports.chargeback import ChargebackData
from orchestration.reports.safe_text import escape
from orchestration.reports.svg import hbar, line


def usd(value: Any, places: int = 2) -> str:
    if value is None:
        return "–"
    v = Decimal(value)
    return f"-${-v:,.{places}f}" if v < 0 else f"${v:,.{places}f}"


def usd_small(value: Any) -> str:
    """Per-request amounts are fractions of a cent: four decimals."""
    return usd(value, 4)


def change(current: Any, previous: Any) -> str:
    cur, prev = Decimal(current or 0), Decimal(previous or 0)
    if prev == 0:
        return "new" if cur > 0 else "–"
    pct = (cur - prev) / prev * 100
    return f"{'+' if pct >= 0 else ''}{pct:,.1f}%"


def _delta(current: Any, previous: Any) -> str:
    diff = Decimal(current or 0) - Decimal(previous or 0)
    cls = "up" if diff > 0 else "down" if diff < 0 else ""
    sign = "+" if diff > 0 else ""
    return f'<span class="{cls}">{sign}{usd(diff)} ({change(current, previous)})</span>'


def _table(headers: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    head = "".join(
        f'<th class="{"num" if i >= numeric_from else ""}">{escape(h)}</th>' for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(f'<td class="{"num" if i >= numeric_from else ""}">{c}</td>' for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """
body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1d2733;
       margin: 0 auto; max-width: 1100px; padding: 24px 32px 64px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 36px 0 8px; border-bottom: 1px solid #dde3ea;
     padding-bottom: 4px; } h3 { font-size: 15px; margin: 20px 0 6px; }
.sub { color: #5b6875; margin: 0 0 16px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 16px 0; }
.card { border: 1px solid #dde3ea; border-radius: 6px; padding: 10px 16px; min-width: 180px; flex: 1; }
.card .k { color: #5b6875; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 24px; font-weight: 600; } .card .d { font-size: 13px; }
.up { color: #b03a2e; } .down { color: #2e7d4f; }
.callout { border-left: 4px solid #d9a400; background: #fff8e1; padding: 10px 16px; margin: 16px 0; }
.callout.ok { border-color: #2e7d4f; background: #eef7f1; }
.banner { background: #eef3f8; border: 1px solid #c9d7e6; padding: 8px 14px; border-radius: 4px; margin: 8px 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 4px; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eef1f4; }
th { color: #5b6875; font-weight: 600; border-bottom: 1px solid #c9d2dc; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 32px; }
svg.chart { max-width: 100%; height: auto; font-size: 11px; }
svg .lbl { fill: #1d2733; } svg .val, svg .axis { fill: #5b6875; } svg .grid { stroke: #eef1f4; }
.methods li { margin-bottom: 6px; } code { background: #f3f5f7; padding: 0 3px; border-radius: 3px; }
footer { margin-top: 40px; color: #5b6875; font-size: 12px; }
@media print { body { padding: 0; } h2 { break-after: avoid; } table, svg { break-inside: avoid; } }
"""


def render_html(data: ChargebackData) -> str:
    m, t, p = data.month, data.totals, data.previous_totals
    prev_label = m.previous.label
    has_prev = Decimal(p["cost"]) > 0
    parts = [
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>LLM chargeback {m}</title><style>{STYLE}</style></head><body>
<h1>LLM chargeback — {escape(m.label)}</h1>
<p class="sub">Spend on LLM APIs per tenant, team, feature and model, from the Spanledger warehouse.
Data from {data.first_day} to {data.last_day}; generated {data.generated_at:%Y-%m-%d %H:%M} UTC.</p>"""
    ]
    if data.is_partial:
        parts.append(
            f'<p class="banner">Partial month: the warehouse has data up to {data.last_day}; '
            f"the month ends {m.end - timedelta(days=1)}. Totals will grow until the month is complete.</p>"
        )

    # --- headline numbers
    cpr_prev = p["cost_per_request"]
    parts.append(
        '<div class="cards">'
        + _card(
            "Total cost",
            usd(t["cost"]),
            (_delta(t["cost"], p["cost"]) + f" vs {escape(prev_label)}")
            if has_prev
            else f"no data for {escape(prev_label)}",
            "total-cost",
        )
        + _card("Previous month", usd(p["cost"]), escape(prev_label), "previous-cost")
        + _card(
            "Cost per request",
            usd_small(t["cost_per_request"]),
            (
                f"{change(t['cost_per_request'], cpr_prev)} vs {usd_small(cpr_prev)}"
                if cpr_prev
                else f"{t['requests']:,} requests"
            ),
            "cost-per-request",
        )
        + _card("LLM calls", f"{t['calls']:,}", f"{t['tenants']} tenants · {t['tokens']:,} tokens", "calls")
        + "</div>"
    )

    # --- unpriced usage, called out before anything else
    unpriced_calls = int(t["unpriced_calls"])
    if data.unpriced:
        rows = [
            [
                escape(u["provider"]),
                escape(u["model"]),
                f"{u['calls']:,}",
                f"{u['unpriced_calls']:,}",
                f"{u['tokens'] or 0:,}",
                str(u["tenants"]),
                f"{u['first_day']} – {u['last_day']}",
            ]
            for u in data.unpriced
        ]
        parts.append(f"""<div class="callout" id="unpriced"><strong>Unpriced usage: {unpriced_calls:,} LLM calls
have no cost</strong> — neither the provider reported one nor does the price table know the model.
They are <em>not</em> in the totals. Add the model to <code>dbt_project/seeds/model_prices_overrides.csv</code>
(or run <code>spanledger prices refresh</code>) and rebuild to price them.
{_table(["provider", "model", "calls", "unpriced calls", "tokens", "tenants", "seen"], rows, 2)}</div>""")
    else:
        parts.append(
            '<div class="callout ok" id="unpriced"><strong>Every LLM call this month has a cost</strong> '
            "(reported by the provider or from the price table).</div>"
        )

    # --- by tenant
    parts.append("<h2>Cost by tenant</h2>")
    parts.append(hbar([(r["name"], float(r["cost"])) for r in data.by_tenant], usd, title="Cost by tenant"))
    tenant_rows = []
    for r in data.by_tenant:
        budget = usd(r["budget"], 0) if r["budget"] is not None else "–"
        tenant_rows.append(
            [
                escape(r["name"])
                + (
                    f' <span class="sub">({escape(r["tenant_id"])})</span>'
                    if r["name"] != r["tenant_id"]
                    else ""
                ),
                escape(r["cost_center"]),
                usd(r["cost"]),
                usd(r["previous_cost"]) if has_prev else "–",
                change(r["cost"], r["previous_cost"]) if has_prev else "–",
                f"{(r['share'] or 0) * 100:.1f}%",
                f"{r['calls']:,}",
                budget,
                usd(r["projected_cost"]) if r["projected_cost"] is not None else "–",
            ]
        )
    tenant_rows.append(
        [
            "<strong>Total</strong>",
            "",
            f"<strong>{usd(t['cost'])}</strong>",
            usd(p["cost"]) if has_prev else "–",
            change(t["cost"], p["cost"]) if has_prev else "–",
            "100%",
            f"{t['calls']:,}",
            "",
            "",
        ]
    )
    parts.append(
        _table(
            [
                "tenant",
                "cost center",
                "cost",
                prev_label,
                "change",
                "share",
                "LLM calls",
                "monthly budget",
                "projected month end",
            ],
            tenant_rows,
            2,
        )
    )

    # --- by team, feature, model
    for dim, title in (("team", "Cost by team"), ("feature", "Cost by feature"), ("model", "Cost by model")):
        items = data.by[dim]
        parts.append(f"<h2>{title}</h2><div class='grid2'><div>")
        parts.append(hbar([(r["name"], float(r["cost"])) for r in items[:12]], usd, width=480, title=title))
        parts.append("</div><div>")
        parts.append(
            _table(
                [dim, "cost", prev_label, "change", "calls"],
                [
                    [
                        escape(r["name"]),
                        usd(r["cost"]),
                        usd(r["previous_cost"]) if has_prev else "–",
                        change(r["cost"], r["previous_cost"]) if has_prev else "–",
                        f"{r['calls']:,}",
                    ]
                    for r in items
                ],
            )
        )
        parts.append("</div></div>")

    # --- trends
    parts.append("<h2>Daily cost and cost per request</h2>")
    current = [r for r in data.daily if r["day"] >= m.start]
    previous = [r for r in data.daily if r["day"] < m.start]

    def by_day(rows: list[dict], key: str) -> list[tuple[str, float | None]]:
        return [(f"{r['day'].day:02d}", float(r[key]) if r[key] is not None else None) for r in rows]

    series_cost = [(m.label, by_day(current, "cost"))] + (
        [(prev_label, by_day(previous, "cost"))] if previous else []
    )
    series_cpr = [(m.label, by_day(current, "cost_per_request"))] + (
        [(prev_label, by_day(previous, "cost_per_request"))] if previous else []
    )
    parts.append("<h3>Cost per day (by day of month)</h3>" + line(series_cost, usd, title="Daily cost"))
    parts.append(
        "<h3>Cost per request (by day of month)</h3>" + line(series_cpr, usd_small, title="Cost per request")
    )
    parts.append(
        f"<p class='sub'>A request is one trace with at least one LLM call. This month: "
        f"{t['requests']:,} requests, {usd_small(t['cost_per_request'])} per request"
        + (
            f"; {prev_label}: {p['requests']:,} requests, {usd_small(cpr_prev)} per request."
            if has_prev
            else "."
        )
        + "</p>"
    )

    # --- top movers
    parts.append(f"<h2>Top movers against {escape(prev_label)}</h2>")
    if data.movers and has_prev:
        parts.append(
            _table(
                ["tenant", "feature", "model", "cost", prev_label, "change"],
                [
                    [
                        escape(r["tenant_id"]),
                        escape(r["feature"]),
                        escape(r["model"]),
                        usd(r["cost"]),
                        usd(r["previous_cost"]),
                        _delta(r["cost"], r["previous_cost"]),
                    ]
                    for r in data.movers
                ],
                3,
            )
        )
    else:
        parts.append(
            f"<p>No data for {escape(prev_label)}, so no month-over-month movers. "
            "The largest cost drivers this month:</p>"
        )
        parts.append(
            _table(
                ["tenant", "feature", "model", "cost"],
                [
                    [escape(r["tenant_id"]), escape(r["feature"]), escape(r["model"]), usd(r["cost"])]
                    for r in sorted(data.movers, key=lambda r: r["cost"], reverse=True)
                ],
                3,
            )
        )

    parts.append(_methods(data))
    name = f"chargeback-{m}"
    parts.append(f"""<h2>Files</h2><p><a href="{name}.csv">{name}.csv</a> (FinOps FOCUS columns, one row per
tenant × feature × provider × model × usage type; money as exact decimals) ·
<a href="{name}.parquet">{name}.parquet</a> (the same rows, typed, for loading elsewhere).</p>
<footer>Spanledger · <code>spanledger report chargeback --month {m}</code> · figures in US dollars</footer>
</body></html>
""")
    return "\n".join(parts)


def _card(key: str, value: str, detail: str, ident: str) -> str:
    return (
        f'<div class="card" id="{ident}"><div class="k">{escape(key)}</div><div class="v">{value}</div>'
        f'<div class="d">{detail}</div></div>'
    )


def _methods(data: ChargebackData) -> str:
    total = sum((Decimal(r["cost"]) for r in data.cost_sources), Decimal(0))
    rows = []
    names = {
        "reported": "reported by the provider / instrumentation",
        "calculated": "calculated from tokens × price table (estimate)",
        "unpriced": "unpriced: no reported cost, no price (excluded)",
    }
    for r in data.cost_sources:
        share = f"{Decimal(r['cost']) / total * 100:.1f}%" if total else "–"
        rows.append(
            [
                escape(names.get(r["cost_source"], r["cost_source"])),
                f"{r['calls']:,}",
                f"{r['tokens']:,}",
                usd(r["cost"]),
                share,
            ]
        )
    sources = ", ".join(escape(s) for s in data.price_sources) or "none this month"
    return f"""<h2>Methods: where the numbers come from</h2>
{_table(["cost source", "LLM calls", "tokens", "cost", "share of cost"], rows)}
<ul class="methods">
<li><strong>Reported cost wins.</strong> When the provider or the instrumentation reported a call's cost
(e.g. Claude Code's <code>cost_usd</code>, OpenLLMetry / OpenInference cost attributes), that amount is used as is.</li>
<li><strong>Otherwise tokens × price.</strong> Prices come from the <code>model_prices</code> dbt seed, generated from the
open <a href="https://github.com/pydantic/genai-prices">genai-prices</a> database (<code>spanledger prices refresh</code>;
this month: {sources}), with negotiated prices in <code>model_prices_overrides</code> taking precedence. The price in
effect on the day of the call applies. Cache reads, cache writes and reasoning tokens have their own prices.
These costs are <em>estimates</em> of what the provider will invoice: list prices, no discounts, credits or taxes.</li>
<li><strong>Unpriced calls cost nothing here</strong> and are listed above; the totals are understated by their usage.</li>
<li><strong>Tenant, team and feature</strong> come from the telemetry (the request's root span passes them down to every
LLM call); the cost center, tenant name and budget from the <code>tenants</code> seed. Tenants missing from the seed
show the <code>(unknown)</code> cost center.</li>
<li><strong>Usage types in the CSV.</strong> A group's cost is divided between input, cached input, cache write,
output and reasoning tokens in proportion to their list-price value. For calculated costs this is the exact split;
for provider-reported costs it is an estimate (<code>x_IsCostSplitEstimated</code>). Rows add up to the FinOps
mart (<code>finops.fct_chargeback_monthly</code>) exactly.</li>
<li><strong>Requests</strong> are traces with at least one LLM call; sampled traces are counted as seen.</li>
</ul>"""
