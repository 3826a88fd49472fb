-- p50 <= p95 <= p99 for every latency percentile of the reliability marts.
{% set checks = [
    ['latency_p50_ms', 'latency_p95_ms'], ['latency_p95_ms', 'latency_p99_ms'],
    ['llm_latency_p50_ms', 'llm_latency_p95_ms'], ['llm_latency_p95_ms', 'llm_latency_p99_ms'],
    ['ttft_p50_ms', 'ttft_p95_ms'],
] %}
{% for model in ['fct_tenant_latency_daily', 'fct_feature_latency_daily'] %}
select '{{ model }}' as mart, latency_row_id
from {{ ref(model) }}
where {{ test_date_window('latency_date') }} and (false
{%- for low, high in checks %}
    or {{ low }} > {{ high }} + 0.000001
{%- endfor %})
{% if not loop.last %}union all{% endif %}
{% endfor %}
