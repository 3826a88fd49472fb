-- The `default` SLO row must exist: tenants without a row of their own fall back to it.
select 'missing default row' as problem
from (select count(*) as n from {{ ref('tenant_slos') }} where tenant_id = 'default') as defaults
where n != 1
