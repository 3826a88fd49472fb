{#- Every erasure request is completed within 30 days of its receipt. -#}
{{ config(severity='error', tags=['compliance']) }}

select
    request_id,
    tenant_id,
    requested_at,
    due_at,
    request_status
from {{ ref('stg_compliance__erasure_requests') }}
where not is_completed and due_at < {{ compliance_now() }}
