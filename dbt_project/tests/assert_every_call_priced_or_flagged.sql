-- Every LLM call has a cost or is flagged unpriced; unpriced calls are never given a cost of zero,
-- and every call without a price shows up in fct_unpriced_usage.
with

calls as (

    select * from {{ ref('int_llm_calls_priced') }}
    where {{ test_date_window('call_date') }}

),

unpriced_mart as (

    select coalesce(sum(llm_call_count), 0) as n from {{ ref('fct_unpriced_usage') }}
    where {{ test_date_window('usage_date') }}

),

unpriced_calls as (

    select count(*) as n from calls where not has_price

)

select 'call without cost and not flagged' as problem, llm_call_id
from calls
where cost_usd is null and not is_unpriced
union all
select 'unpriced call carries a cost', llm_call_id
from calls
where is_unpriced and (cost_usd is not null or calculated_cost_usd is not null)
union all
select 'fct_unpriced_usage misses calls', cast(unpriced_calls.n as {{ t_string() }})
from unpriced_calls cross join unpriced_mart
where unpriced_calls.n != unpriced_mart.n
