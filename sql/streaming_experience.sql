-- How streamed answers feel, on the latest day.
--
-- Answers: per tenant, feature and model: time to first token, time per output token, tokens per
--          second, and the streams cancelled (client cancel or no finish reason) with what they cost.
-- Parameters: the latest day with streamed calls.
-- Use: per-call values are in intermediate.int_streamed_calls.
with

params as (
    select max(call_date) as day from quality.fct_streaming_daily
)

select
    tenant_id,
    feature,
    model,
    streamed_call_count as streams,
    round(ttft_p50_ms) as ttft_p50_ms,
    round(ttft_p95_ms) as ttft_p95_ms,
    round(tpot_p50_ms, 1) as tpot_p50_ms,
    round(tpot_p95_ms, 1) as tpot_p95_ms,
    round(output_tokens_per_second_p50) as tokens_per_second_p50,
    cancelled_count as cancelled,
    round(cancel_rate, 3) as cancel_rate,
    cancelled_output_tokens,
    round(cancelled_cost_usd, 6) as cancelled_cost_usd
from quality.fct_streaming_daily, params
where call_date = params.day
order by cancelled_cost_usd desc, ttft_p95_ms desc, tenant_id, feature, model
