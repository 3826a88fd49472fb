{#- Daily latency / error / SLO rollup of requests and their LLM calls, grouped by `group_columns`
    (always per date and tenant). Counts are weighted by 1 / sample rate where tail sampling recorded
    one; percentiles are over the sampled requests. `is_estimated` says which rows are estimates.

    The request side is latency_request_rollup(); a mart whose request side is already a model (the
    tenant level: int_requests_aggregated_to_tenant_days, which eval candidates read too) passes it
    as `request_rollup`. -#}
{% macro latency_rollup(group_columns, request_rollup=none) %}
{%- set key_columns = ['request_rollup.latency_date'] -%}
{%- for c in group_columns -%}{%- do key_columns.append('request_rollup.' ~ c) -%}{%- endfor -%}

with

request_rollup as (

    {% if request_rollup -%}
    select * from {{ request_rollup }}
    where {{ date_window('latency_date') }}
    {%- else -%}
    {{ latency_request_rollup(group_columns) }}
    {%- endif %}

),

llm_calls as (

    select * from {{ ref('int_llm_calls_priced') }}
    where call_source = 'span' and {{ date_window('call_date') }}

),

keyed_calls as (

    select
        llm_calls.call_date as latency_date,
        {% for c in group_columns %}coalesce(llm_calls.{{ c }}, '{{ var("unknown_label") }}') as {{ c }},
        {% endfor %}
        llm_calls.latency_ms,
        llm_calls.output_tokens_per_second,
        llm_calls.output_tokens
    from llm_calls

),

call_rollup as (

    select
        latency_date,
        {% for c in group_columns %}{{ c }},
        {% endfor %}
        count(*) as llm_call_count,
        {{ percentile('latency_ms', 0.5) }} as llm_latency_p50_ms,
        {{ percentile('latency_ms', 0.95) }} as llm_latency_p95_ms,
        {{ percentile('latency_ms', 0.99) }} as llm_latency_p99_ms,
        {{ percentile('output_tokens_per_second', 0.5) }} as output_tokens_per_second_p50
    from keyed_calls
    group by {% for c in ['latency_date'] + group_columns %}{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}

),

final as (

    select
        {{ hash_key(key_columns) }} as latency_row_id,
        request_rollup.latency_date,
        {% for c in group_columns %}request_rollup.{{ c }},
        {% endfor %}
        request_rollup.sampled_request_count,
        request_rollup.request_count,
        request_rollup.is_estimated,
        request_rollup.error_request_count,
        request_rollup.failed_200_request_count,
        coalesce(call_rollup.llm_call_count, 0) as llm_call_count,
        request_rollup.latency_p50_ms,
        request_rollup.latency_p95_ms,
        request_rollup.latency_p99_ms,
        call_rollup.llm_latency_p50_ms,
        call_rollup.llm_latency_p95_ms,
        call_rollup.llm_latency_p99_ms,
        request_rollup.ttft_p50_ms,
        request_rollup.ttft_p95_ms,
        call_rollup.output_tokens_per_second_p50,
        request_rollup.error_request_count / request_rollup.request_count as hard_error_rate,
        (request_rollup.error_request_count + request_rollup.failed_200_request_count)
            / request_rollup.request_count as error_rate,
        request_rollup.latency_slo_ms,
        request_rollup.latency_slo_target,
        request_rollup.error_rate_slo,
        request_rollup.requests_within_latency_slo / request_rollup.request_count as latency_slo_attainment,
        request_rollup.requests_within_latency_slo / request_rollup.request_count
            >= request_rollup.latency_slo_target as is_latency_slo_met,
        (request_rollup.error_request_count + request_rollup.failed_200_request_count)
            / request_rollup.request_count <= request_rollup.error_rate_slo as is_error_rate_slo_met,
        -- burn rate: 1 spends the error budget exactly; above 1 spends it faster than allowed
        (1 - request_rollup.requests_within_latency_slo / request_rollup.request_count)
            / nullif(1 - request_rollup.latency_slo_target, 0) as latency_error_budget_burn,
        ((request_rollup.error_request_count + request_rollup.failed_200_request_count)
            / request_rollup.request_count) / nullif(request_rollup.error_rate_slo, 0) as error_rate_budget_burn
    from request_rollup
    left join call_rollup
        on request_rollup.latency_date = call_rollup.latency_date
        {% for c in group_columns %}and request_rollup.{{ c }} = call_rollup.{{ c }}
        {% endfor %}

)

select * from final

{% endmacro %}

{#- The request side of latency_rollup, one row per date and group: volume, errors, latency and
    time-to-first-token percentiles, SLO attainment against the tenant's targets (tenant_slos, with
    the `default` row for tenants without one), and the spread of request cost. A query of its own. -#}
{% macro latency_request_rollup(group_columns) %}
with

requests as (

    select * from {{ ref('int_requests_summarized') }}
    where {{ date_window('request_date') }}

),

slos as (

    select * from {{ ref('tenant_slos') }}

),

default_slo as (

    select * from slos where tenant_id = 'default'

),

keyed_requests as (

    select
        requests.request_date as latency_date,
        {% for c in group_columns %}coalesce(requests.{{ c }}, '{{ var("unknown_label") }}') as {{ c }},
        {% endfor %}
        requests.latency_ms,
        requests.ttft_ms,
        requests.is_error,
        requests.is_failed_200,
        requests.sample_weight,
        requests.cost_usd
    from requests

),

with_slo as (

    select
        keyed_requests.*,
        coalesce(slos.latency_slo_ms, default_slo.latency_slo_ms, 5000) as latency_slo_ms,
        coalesce(slos.latency_slo_target, default_slo.latency_slo_target, 0.95) as latency_slo_target,
        coalesce(slos.error_rate_slo, default_slo.error_rate_slo, 0.01) as error_rate_slo
    from keyed_requests
    left join slos
        on keyed_requests.tenant_id = slos.tenant_id
    cross join default_slo

),

rolled_up as (

    select
        latency_date,
        {% for c in group_columns %}{{ c }},
        {% endfor %}
        count(*) as sampled_request_count,
        -- weights are rounded: float sums depend on aggregation order and reruns must be identical
        round(sum(sample_weight), 6) as request_count,
        max(case when sample_weight > 1 then 1 else 0 end) = 1 as is_estimated,
        round(sum(case when is_error then sample_weight else 0 end), 6) as error_request_count,
        round(sum(case when is_failed_200 then sample_weight else 0 end), 6) as failed_200_request_count,
        round(sum(case when latency_ms <= latency_slo_ms then sample_weight else 0 end), 6) as requests_within_latency_slo,
        {{ percentile('latency_ms', 0.5) }} as latency_p50_ms,
        {{ percentile('latency_ms', 0.95) }} as latency_p95_ms,
        {{ percentile('latency_ms', 0.99) }} as latency_p99_ms,
        {{ percentile('ttft_ms', 0.5) }} as ttft_p50_ms,
        {{ percentile('ttft_ms', 0.95) }} as ttft_p95_ms,
        max(latency_slo_ms) as latency_slo_ms,
        max(latency_slo_target) as latency_slo_target,
        max(error_rate_slo) as error_rate_slo,
        count(cost_usd) as costed_request_count,
        -- exact sums: a float sum adds in any order, and a rerun must give the same marts
        {{ exact_avg('cost_usd') }} as mean_cost_usd,
        {{ exact_stddev_samp('cost_usd') }} as stddev_cost_usd
    from with_slo
    group by {% for c in ['latency_date'] + group_columns %}{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}

)

select * from rolled_up
{% endmacro %}
