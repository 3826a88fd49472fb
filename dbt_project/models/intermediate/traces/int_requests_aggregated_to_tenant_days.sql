{{ config(**date_partitioned('latency_date')) }}

{#- Per day and tenant, the requests rolled up (macro latency_request_rollup): volume, errors, latency
    percentiles and SLO attainment, which fct_tenant_latency_daily reports, and the p99 latency and
    spread of request cost that fct_eval_candidates measures outliers against. -#}

{{ latency_request_rollup(['tenant_id']) }}
