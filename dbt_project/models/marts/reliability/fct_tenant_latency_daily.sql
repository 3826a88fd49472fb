{{ config(**date_partitioned('latency_date')) }}

{#- Per day and tenant: request volume, end-to-end and LLM latency percentiles, time to first token,
    throughput, error rates and SLO attainment against the tenant's targets (tenant_slos, with the
    `default` row for tenants without one). See the latency_rollup macro; the request side is
    int_requests_aggregated_to_tenant_days, shared with the eval candidates. -#}

{{ latency_rollup(['tenant_id'], request_rollup=ref('int_requests_aggregated_to_tenant_days')) }}
