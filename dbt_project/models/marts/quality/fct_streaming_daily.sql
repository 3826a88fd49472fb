{{ config(**date_partitioned('call_date')) }}

{#- How streams feel, per day x tenant x feature x model: time to first token, time per output
    token, throughput, inter-token gaps, and the streams cancelled with what they still cost. -#}

with

streams as (

    select * from {{ ref('int_streamed_calls') }}
    where {{ date_window('call_date') }}

),

keyed as (

    select
        streams.*,
        coalesce(streams.tenant_id, '{{ var("unknown_label") }}') as tenant_key,
        coalesce(streams.feature, '{{ var("unknown_label") }}') as feature_key,
        coalesce(streams.model, '{{ var("unknown_label") }}') as model_key
    from streams

),

grouped as (

    select
        call_date,
        tenant_key as tenant_id,
        feature_key as feature,
        model_key as model,
        count(*) as streamed_call_count,
        {{ percentile('ttft_ms', 0.5) }} as ttft_p50_ms,
        {{ percentile('ttft_ms', 0.95) }} as ttft_p95_ms,
        {{ percentile('time_per_output_token_ms', 0.5) }} as tpot_p50_ms,
        {{ percentile('time_per_output_token_ms', 0.95) }} as tpot_p95_ms,
        {{ percentile('output_tokens_per_second', 0.5) }} as output_tokens_per_second_p50,
        {{ percentile('inter_token_gap_p95_ms', 0.95) }} as inter_token_gap_p95_ms,
        {{ count_where('is_cancelled') }} as cancelled_count,
        {{ count_where("cancel_reason = 'client_cancel'") }} as client_cancel_count,
        {{ count_where("cancel_reason = 'missing_finish_reason'") }} as missing_finish_reason_count,
        cast(sum(case when is_cancelled then output_tokens else 0 end) as {{ t_int() }}) as cancelled_output_tokens,
        sum(case when is_cancelled then cost_usd end) as cancelled_cost_usd,
        sum(cost_usd) as cost_usd
    from keyed
    group by 1, 2, 3, 4

),

final as (

    select
        {{ hash_key(['call_date', 'tenant_id', 'feature', 'model']) }} as stream_day_id,
        call_date,
        tenant_id,
        feature,
        model,
        streamed_call_count,
        ttft_p50_ms,
        ttft_p95_ms,
        tpot_p50_ms,
        tpot_p95_ms,
        output_tokens_per_second_p50,
        inter_token_gap_p95_ms,
        cancelled_count,
        client_cancel_count,
        missing_finish_reason_count,
        cast(cancelled_count as {{ t_float() }}) / streamed_call_count as cancel_rate,
        cancelled_output_tokens,
        coalesce(cancelled_cost_usd, {{ money('0') }}) as cancelled_cost_usd,
        cost_usd
    from grouped

)

select * from final
