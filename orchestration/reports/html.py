"""The chargeback report as one self-contained HTML page a finance person can open and read.

No script, no web font, no external file: styles and inline SVG charts are in the page, so it reads
the same offline, attached to an email, or printed to PDF.
"""

from __future__ import annotations

from datetime import timedelta

from orchestration.reports.chargeback import ChargebackData
from orchestration.reports.html_parts import card, change, delta, table, usd, usd_small
from orchestration.reports.html_style import STYLE
from orchestration.reports.safe_text import escape
from orchestration.reports.svg import hbar, line


def compared_span(data: ChargebackData) -> str:
    """What the month over month compares, in words: like for like, or why there is no change."""
    t, m = data.total, data.month
    n, prev = t["compared_day_count"], m.previous
    days = f"days 1–{n}" if n > 1 else "day 1"
    if t["is_like_for_like_comparable"]:
        return f"Month over month compares {days} of {m.label} with {days} of {prev.label} (like for like)."
    if t["previous_month_first_call_date"] is None:
        return f"No data for {prev.label}, so no month-over-month change."
    return (
        f"{prev.label} is partial: the warehouse has it from {t['previous_month_first_call_date']} to "
        f"{t['previous_month_last_call_date']}, not all of {days}, so no month-over-month change is shown "
        f"(its data so far: {usd(t['previous_cost_usd'])})."
    )


def render_html(data: ChargebackData) -> str:
    m, t = data.month, data.total
    prev_label = m.previous.label
    ok = bool(t["is_like_for_like_comparable"])
    n = t["compared_day_count"]
    prev_head = f"{prev_label} 1–{n}" if ok else prev_label
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
            f'<p class="banner">Partial month: the warehouse has data from {data.first_day} to {data.last_day}; '
            f"the month ends {m.end - timedelta(days=1)}. Totals will grow until the month is complete.</p>"
        )
    parts.append(f'<p class="banner" id="compared">{escape(compared_span(data))}</p>')
    if data.closed:
        parts.append(
            f'<p class="banner" id="closed">Closed on {data.closed["closed_at"]:%Y-%m-%d %H:%M} UTC by '
            f"{escape(data.closed['closed_by'])}: the CSV holds the booked lines. Later changes of this month "
            "appear as adjustments in the next open month; the breakdowns below show the month as the calls say now, "
            "the invoiced figures what was booked.</p>"
        )
    adjusted = sorted({r["x_AdjustedMonth"] for r in data.focus_rows if r["x_AdjustedMonth"]})
    if adjusted:
        parts.append(
            f'<p class="banner" id="adjustments">The CSV includes adjustment lines of the closed months '
            f"{escape(', '.join(adjusted))}: late data or repricing since they were closed.</p>"
        )

    # --- headline numbers
    cpr_prev = t["previous_cost_per_request_usd"]
    parts.append(
        '<div class="cards">'
        + card(
            "Total cost",
            usd(t["cost_usd"]),
            (delta(t, ok) + f" vs {escape(prev_head)}") if ok else "no like-for-like change",
            "total-cost",
        )
        + card(
            "Previous month",
            usd(t["previous_cost_usd"]),
            escape(prev_label)
            + (f" · days 1–{n}: {usd(t['previous_like_for_like_cost_usd'])}" if ok else " (partial)"),
            "previous-cost",
        )
        + card(
            "Cost per request",
            usd_small(t["cost_per_request_usd"]),
            f"{t['request_count']:,} requests"
            + (f" · {usd_small(cpr_prev)} in {escape(prev_label)}" if cpr_prev is not None else ""),
            "cost-per-request",
        )
        + card(
            "LLM calls",
            f"{t['llm_call_count']:,}",
            f"{t['tenant_count']} tenants · {t['total_tokens']:,} tokens",
            "calls",
        )
        + _invoice_card(data)
        + "</div>"
    )
    parts.append(_unpriced(data))
    parts.append(_by_tenant(data, ok, prev_head))
    for dim, title in (("team", "Cost by team"), ("feature", "Cost by feature"), ("model", "Cost by model")):
        items = data.by.get(dim, [])
        parts.append(f"<h2>{title}</h2><div class='grid2'><div>")
        parts.append(
            hbar([(r["member"], float(r["cost_usd"])) for r in items[:12]], usd, width=480, title=title)
        )
        parts.append("</div><div>")
        rows = [
            [
                escape(r["member"]),
                usd(r["cost_usd"]),
                usd(r["previous_like_for_like_cost_usd"]) if ok else "–",
                change(r, ok),
                f"{r['llm_call_count']:,}",
            ]
            for r in items
        ]
        parts.append(table([dim, "cost", prev_head, "change", "calls"], rows))
        parts.append("</div></div>")
    parts.append(_trends(data))
    parts.append(_movers(data, ok, prev_head))
    parts.append(_price_matches(data))
    parts.append(_methods(data))
    name = f"chargeback-{m}"
    parts.append(f"""<h2>Files</h2><p><a href="{name}.csv">{name}.csv</a> (FinOps FOCUS columns, one row per
tenant × feature × provider × model × usage type; money as exact decimals) ·
<a href="{name}.parquet">{name}.parquet</a> (the same rows, typed, for loading elsewhere).</p>
<footer>Spanledger · <code>spanledger report chargeback --month {m}</code> · figures in US dollars</footer>
</body></html>
""")
    return "\n".join(parts)


def _invoice_differs(data: ChargebackData) -> bool:
    """The CSV bills something else than the month's calls: the month is closed, or it bills adjustments."""
    return data.closed is not None or data.total["adjustment_cost_usd"] != 0


def _invoice_card(data: ChargebackData) -> str:
    """What the CSV bills (the FOCUS lines), when it is not the calls' cost the other cards show."""
    t = data.total
    if not _invoice_differs(data):
        return ""
    if data.closed:
        detail = f"as booked on {data.closed['closed_at']:%Y-%m-%d}; the calls now say {usd(t['cost_usd'])}"
    else:
        detail = f"the calls' {usd(t['cost_usd'])} + {usd(t['adjustment_cost_usd'])} of adjustments"
    return card("Invoiced (CSV)", usd(t["invoiced_cost_usd"]), detail, "invoiced")


def _unpriced(data: ChargebackData) -> str:
    unpriced = data.by.get("unpriced_model", [])
    if not unpriced:
        return (
            '<div class="callout ok" id="unpriced"><strong>Every LLM call this month has a cost</strong> '
            "(reported by the provider or from the price table).</div>"
        )
    rows = [
        [
            escape(u["provider"]),
            escape(u["model"]),
            f"{u['llm_call_count']:,}",
            f"{u['unpriced_call_count']:,}",
            f"{u['total_tokens']:,}",
            str(u["tenant_count"]),
            f"{u['first_call_date']} – {u['last_call_date']}",
        ]
        for u in unpriced
        if u["llm_call_count"]
    ]
    return f"""<div class="callout" id="unpriced"><strong>Unpriced usage: {data.total["unpriced_call_count"]:,} LLM calls
have no cost</strong> — neither the provider reported one nor does the price table know the model.
They are <em>not</em> in the totals. Add the model to <code>dbt_project/seeds/model_prices_overrides.csv</code>
(or run <code>spanledger prices refresh</code>) and rebuild to price them.
{table(["provider", "model", "calls", "unpriced calls", "tokens", "tenants", "seen"], rows, 2)}</div>"""


def _by_tenant(data: ChargebackData, ok: bool, prev_head: str) -> str:
    t = data.total
    invoiced = _invoice_differs(data)
    tenants = [r for r in data.by.get("tenant", []) if r["llm_call_count"] or r["invoiced_cost_usd"]]
    rows = []
    for r in tenants:
        name = r["tenant_name"] or r["tenant_id"]
        rows.append(
            [
                escape(name)
                + (f' <span class="sub">({escape(r["tenant_id"])})</span>' if name != r["tenant_id"] else ""),
                escape(r["cost_center"]),
                usd(r["cost_usd"]),
                usd(r["previous_like_for_like_cost_usd"]) if ok else "–",
                change(r, ok),
                f"{(r['share_of_month_total'] or 0) * 100:.1f}%",
                f"{r['llm_call_count']:,}",
                usd(r["monthly_budget_usd"], 0) if r["monthly_budget_usd"] is not None else "–",
                usd(r["projected_month_end_cost_usd"])
                if r["projected_month_end_cost_usd"] is not None
                else "–",
                *([usd(r["invoiced_cost_usd"])] if invoiced else []),
            ]
        )
    rows.append(
        [
            "<strong>Total</strong>",
            "",
            f"<strong>{usd(t['cost_usd'])}</strong>",
            usd(t["previous_like_for_like_cost_usd"]) if ok else "–",
            change(t, ok),
            "100%",
            f"{t['llm_call_count']:,}",
            "",
            "",
            *([f"<strong>{usd(t['invoiced_cost_usd'])}</strong>"] if invoiced else []),
        ]
    )
    chart = hbar(
        [(r["tenant_name"] or r["tenant_id"], float(r["cost_usd"])) for r in tenants],
        usd,
        title="Cost by tenant",
    )
    headers = ["tenant", "cost center", "cost", prev_head, "change", "share", "LLM calls", "monthly budget"]
    headers += ["projected month end", *(["invoiced (CSV)"] if invoiced else [])]
    return "<h2>Cost by tenant</h2>" + chart + table(headers, rows, 2)


def _trends(data: ChargebackData) -> str:
    m, t = data.month, data.total
    prev_label = m.previous.label
    days = data.by.get("day", [])

    def series(key: str, present: str) -> list[tuple[str, float | None]]:
        return [
            (f"{r['day_of_month']:02d}", float(r[key]) if r[key] is not None else None)
            for r in days
            if r[present]
        ]

    current_cost = series("cost_usd", "request_count")
    previous_cost = series("previous_cost_usd", "previous_request_count")
    cost = [(m.label, current_cost)] + ([(prev_label, previous_cost)] if previous_cost else [])
    per_request = [(m.label, series("cost_per_request_usd", "request_count"))] + (
        [(prev_label, series("previous_cost_per_request_usd", "previous_request_count"))]
        if previous_cost
        else []
    )
    previous = (
        f"; {prev_label}: {t['previous_request_count']:,} requests, "
        f"{usd_small(t['previous_cost_per_request_usd'])} per request."
        if t["previous_request_count"]
        else "."
    )
    return (
        "<h2>Daily cost and cost per request</h2>"
        + "<h3>Cost per day (by day of month)</h3>"
        + line(cost, usd, title="Daily cost")
        + "<h3>Cost per request (by day of month)</h3>"
        + line(per_request, usd_small, title="Cost per request")
        + f"<p class='sub'>A request is one trace with at least one LLM call. This month: "
        f"{t['request_count']:,} requests, {usd_small(t['cost_per_request_usd'])} per request{previous}</p>"
    )


def _movers(data: ChargebackData, ok: bool, prev_head: str) -> str:
    head = f"<h2>Top movers against {escape(prev_head)}</h2>"
    if data.movers and ok:
        rows = [
            [
                escape(r["tenant_id"]),
                escape(r["feature"]),
                escape(r["model"]),
                usd(r["cost_usd"]),
                usd(r["previous_like_for_like_cost_usd"]),
                delta(r, ok),
            ]
            for r in data.movers
        ]
        return head + table(["tenant", "feature", "model", "cost", prev_head, "change"], rows, 3)
    drivers = data.by.get("tenant_feature_model", [])[:10]
    rows = [
        [escape(r["tenant_id"]), escape(r["feature"]), escape(r["model"]), usd(r["cost_usd"])]
        for r in drivers
    ]
    return (
        head
        + f"<p>{escape(compared_span(data))} The largest cost drivers this month:</p>"
        + table(["tenant", "feature", "model", "cost"], rows, 3)
    )


MATCH_KINDS = {
    "exact": "the response model as reported",
    "request_model": "the request model",
    "alias": "a cleaned or seeded name (ARN, Vertex path, router prefix, model_aliases)",
    "family": "the snapshot's family (estimated)",
    "override": "a negotiated price (model_prices_overrides)",
}


def _price_matches(data: ChargebackData) -> str:
    rows = [
        [
            escape(r["member"]),
            escape(MATCH_KINDS.get(r["member"], "")),
            f"{r['llm_call_count']:,}",
            usd(r["cost_usd"]),
            usd(r["estimated_cost_usd"]),
        ]
        for r in data.by.get("price_match_kind", [])
    ]
    estimated = data.total["estimated_cost_usd"]
    return (
        '<h2 id="price-matches">Calculated cost by how the price was found</h2>'
        + table(["match", "priced by", "LLM calls", "cost", "of which estimated"], rows, 2)
        + f"<p class='sub'>Estimated this month: {usd(estimated)} (a family price, or the request model's while "
        "the response named another model).</p>"
    )


def _methods(data: ChargebackData) -> str:
    names = {
        "reported": "reported by the provider / instrumentation",
        "calculated": "calculated from tokens × price table (estimate)",
        "unpriced": "unpriced: no reported cost, no price (excluded)",
    }
    rows = [
        [
            escape(names.get(r["member"], r["member"])),
            f"{r['llm_call_count']:,}",
            f"{r['total_tokens']:,}",
            usd(r["cost_usd"]),
            f"{(r['share_of_month_total'] or 0) * 100:.1f}%",
        ]
        for r in data.by.get("cost_source", [])
    ]
    sources = ", ".join(escape(r["member"]) for r in data.by.get("price_source", [])) or "none this month"
    return f"""<h2>Methods: where the numbers come from</h2>
{table(["cost source", "LLM calls", "tokens", "cost", "share of cost"], rows)}
<ul class="methods">
<li><strong>Reported cost wins.</strong> When the provider or the instrumentation reported a call's cost
(e.g. Claude Code's <code>cost_usd</code>, OpenLLMetry / OpenInference cost attributes), that amount is used as is.</li>
<li><strong>Otherwise tokens × price.</strong> Prices come from the <code>model_prices</code> dbt seed, generated from the
open <a href="https://github.com/pydantic/genai-prices">genai-prices</a> database (<code>spanledger prices refresh</code>;
this month: {sources}), with negotiated prices in <code>model_prices_overrides</code> taking precedence. The price in
effect on the day of the call applies. Cache reads, cache writes and reasoning tokens have their own prices.
Contract discounts of the <code>contract_rates</code> seed apply to these costs: <code>ListCost</code> is before,
<code>ContractedCost</code>, <code>EffectiveCost</code> and <code>BilledCost</code> after the discount. No credits or taxes.</li>
<li><strong>Unpriced calls cost nothing here</strong> and are listed above; the totals are understated by their usage.</li>
<li><strong>Tenant, team and feature</strong> come from the telemetry (the request's root span passes them down to every
LLM call); the cost center, tenant name and budget from the <code>tenants</code> seed. Tenants missing from the seed
show the <code>(unknown)</code> cost center.</li>
<li><strong>Usage types in the CSV.</strong> Each call's cost is divided between input, cached input, cache write,
output and reasoning tokens in proportion to their list-price value. For calculated costs this is the exact split;
for provider-reported costs it is an estimate (<code>x_IsCostSplitEstimated</code>). The rows add up exactly to the
calls' costs less contract discounts (<code>finops.fct_chargeback_focus_monthly</code>).</li>
<li><strong>Month over month</strong> compares the same days of both months (1 to the last day with data this month);
a previous month without data on all of them is marked partial and gets no change.</li>
<li><strong>Requests</strong> are traces with at least one LLM call; sampled traces are counted as seen.</li>
</ul>"""
