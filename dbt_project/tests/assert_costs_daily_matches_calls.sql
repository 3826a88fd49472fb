-- The daily cost mart adds up to the call-level costs to the cent, per day and in total tokens.
-- Compliance: a day not rebuilt since an erasure still holds the erased calls' share (aggregates keep
-- their totals), so it may also equal calls + erased usage; days whose calls are past their retention
-- (facts: 400 days) while the mart (finops: 7 years) keeps them are not compared. A windowed run compares
-- the dates it rebuilt.
with

calls as (

    select
        call_date as cost_date,
        count(*) as llm_call_count,
        sum(total_tokens) as total_tokens,
        coalesce(sum(cost_usd), 0) as total_cost_usd,
        coalesce(sum(reported_cost_usd), 0) as reported_cost_usd
    from {{ ref('int_llm_calls_priced') }}
    where {{ test_date_window('call_date') }}
    group by 1

),

erased as (

    select
        call_date as cost_date,
        sum(llm_call_count) as llm_call_count,
        sum(total_tokens) as total_tokens,
        coalesce(sum(cost_usd), 0) as total_cost_usd,
        coalesce(sum(reported_cost_usd), 0) as reported_cost_usd
    from {{ ref('stg_compliance__erased_usage') }}
    where {{ test_date_window('call_date') }}
    group by 1

),

mart as (

    select
        cost_date,
        sum(llm_call_count) as llm_call_count,
        sum(total_tokens) as total_tokens,
        sum(total_cost_usd) as total_cost_usd,
        sum(reported_cost_usd) as reported_cost_usd
    from {{ ref('fct_llm_costs_daily') }}
    where {{ test_date_window('cost_date') }}
    group by 1

)

select calls.*, mart.llm_call_count as mart_calls, mart.total_cost_usd as mart_cost
from calls
full outer join mart
    on calls.cost_date = mart.cost_date
left join erased
    on coalesce(calls.cost_date, mart.cost_date) = erased.cost_date
where (calls.cost_date is null and mart.cost_date >= (select min(cost_date) from calls))
    or mart.cost_date is null
    or ((calls.llm_call_count != mart.llm_call_count
         or calls.total_tokens != mart.total_tokens
         or abs(calls.total_cost_usd - mart.total_cost_usd) >= 0.01
         or abs(calls.reported_cost_usd - mart.reported_cost_usd) >= 0.01)
        and (erased.cost_date is null
             or calls.llm_call_count + erased.llm_call_count != mart.llm_call_count
             or calls.total_tokens + coalesce(erased.total_tokens, 0) != mart.total_tokens
             or abs(calls.total_cost_usd + erased.total_cost_usd - mart.total_cost_usd) >= 0.01
             or abs(calls.reported_cost_usd + erased.reported_cost_usd - mart.reported_cost_usd) >= 0.01))
