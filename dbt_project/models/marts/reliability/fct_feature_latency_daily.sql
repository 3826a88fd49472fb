{{ config(**date_partitioned('latency_date')) }}

{#- Per day, tenant and feature: the same measures as fct_tenant_latency_daily one level down.
    Percentiles do not add up, which is why the tenant level is its own mart. -#}

{{ latency_rollup(['tenant_id', 'feature']) }}
