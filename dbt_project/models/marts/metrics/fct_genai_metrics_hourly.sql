{{ config(**date_partitioned('metric_date')) }}

{#- GenAI metrics per hour, side (client / server), service, provider, model and operation: calls,
    errors and tokens from the histograms' counts and sums, and quantiles of duration, time to first
    token (first chunk, client side) and time per output token (chunk) merged over every point,
    instance and series of the hour the way Prometheus' histogram_quantile does (docs/metrics.md).
    Metrics are not sampled: these are the counts every call made, whatever traces kept. -#}

{%- set unknown = "'" ~ var('unknown_label') ~ "'" -%}
{%- set keys = {
    'metric_hour': 'buckets.point_hour',
    'instrument_side': "case when measures.signal = 'genai_server' then 'server' else 'client' end",
    'service_name': 'coalesce(buckets.service_name, ' ~ unknown ~ ')',
    'provider': 'coalesce(' ~ json_string('buckets.point_attributes', 'gen_ai.provider.name') ~ ', '
        ~ json_string('buckets.point_attributes', 'gen_ai.system') ~ ', ' ~ unknown ~ ')',
    'model': 'coalesce(buckets.model, ' ~ unknown ~ ')',
    'operation_name': 'coalesce(' ~ json_string('buckets.point_attributes', 'gen_ai.operation.name') ~ ', '
        ~ unknown ~ ')',
} -%}
{%- set group_columns = ['metric_hour', 'instrument_side', 'service_name', 'provider', 'model', 'operation_name'] -%}

with

histograms as (

    select
        {% for alias, expression in keys.items() %}{{ expression | replace('buckets.', 'points.') }} as {{ alias }},
        {% endfor -%}
        measures.measure,
        {{ json_string('points.point_attributes', 'gen_ai.token.type') }} as token_type,
        {{ json_string('points.point_attributes', 'error.type') }} is not null as is_error,
        points.delta_count,
        points.delta_sum * measures.value_scale as delta_sum
    from {{ ref('int_metric_histogram_deltas') }} as points
    inner join {{ ref('metric_measures') }} as measures
        on points.metric_name = measures.metric_name
    where measures.signal in ('genai_client', 'genai_server') and {{ date_window('points.point_date') }}

),

counts as (

    select
        {{ group_columns | join(', ') }},
        sum(case when measure = 'duration' then delta_count else 0 end) as call_count,
        sum(case when measure = 'duration' and is_error then delta_count else 0 end) as error_count,
        sum(case when measure = 'duration' then delta_sum else 0 end) as duration_sum_seconds,
        {% for token_type in ['input', 'output'] -%}
        cast(round(sum(
            case when measure = 'tokens' and token_type = '{{ token_type }}' then delta_sum else 0 end
        )) as {{ t_int() }}) as {{ token_type }}_tokens{% if not loop.last %},{% endif %}
        {% endfor %}
    from histograms
    group by {{ group_columns | join(', ') }}

),

bucket_rows as (

    {{ measure_bucket_rows(['genai_client', 'genai_server'], keys) }}

),

{{ bucket_quantile_ctes('quantiles', 'bucket_rows', group_columns + ['measure'],
    {'p50': 0.5, 'p95': 0.95, 'p99': 0.99}) }},

quantiles_by_measure as (

    select
        {{ group_columns | join(', ') }},
        {% for measure in ['duration', 'ttft', 'tpot'] -%}
        {% for suffix in ['p50', 'p95', 'p99'] -%}
        max(case when measure = '{{ measure }}' then {{ suffix }} end) as {{ measure }}_{{ suffix }}_seconds
        {%- if not (loop.last and measure == 'tpot') %},{% endif %}
        {% endfor %}
        {%- endfor %}
    from quantiles
    group by {{ group_columns | join(', ') }}

),

final as (

    {%- set qualified = [] %}{% for c in group_columns %}{% do qualified.append('counts.' ~ c) %}{% endfor %}

    select
        {{ hash_key(qualified) }} as metric_row_id,
        cast(counts.metric_hour as date) as metric_date,
        {% for c in group_columns %}counts.{{ c }},
        {% endfor -%}
        counts.call_count,
        counts.error_count,
        counts.input_tokens,
        counts.output_tokens,
        counts.duration_sum_seconds / nullif(counts.call_count, 0) as duration_mean_seconds,
        {% for measure in ['duration', 'ttft', 'tpot'] -%}
        {% for suffix in ['p50', 'p95', 'p99'] -%}
        quantiles_by_measure.{{ measure }}_{{ suffix }}_seconds
        {%- if not (loop.last and measure == 'tpot') %},{% endif %}
        {% endfor %}
        {%- endfor %}
    from counts
    left join quantiles_by_measure
        on {% for c in group_columns %}counts.{{ c }} = quantiles_by_measure.{{ c }}{% if not loop.last %}
        and {% endif %}{% endfor %}

)

select * from final
