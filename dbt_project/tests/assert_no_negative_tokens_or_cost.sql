-- No negative token count or cost anywhere along the cost path (a windowed run: the dates it rebuilt).
select 'int_llm_calls_priced' as model, llm_call_id as row_id
from {{ ref('int_llm_calls_priced') }}
where {{ test_date_window('call_date') }} and (input_tokens < 0 or output_tokens < 0 or cache_read_tokens < 0
    or cache_write_tokens < 0 or reasoning_tokens < 0 or uncached_input_tokens < 0
    or reported_cost_usd < 0 or calculated_cost_usd < 0 or cost_usd < 0 or cache_savings_usd < 0)
union all
select 'fct_llm_costs_daily', cost_row_id
from {{ ref('fct_llm_costs_daily') }}
where {{ test_date_window('cost_date') }} and (input_tokens < 0 or output_tokens < 0 or cache_read_tokens < 0
    or cache_write_tokens < 0 or reasoning_tokens < 0 or total_cost_usd < 0 or reported_cost_usd < 0
    or calculated_cost_usd < 0)
union all
select 'int_requests_summarized', request_id
from {{ ref('int_requests_summarized') }}
where {{ test_date_window('request_date') }} and (total_tokens < 0 or cost_usd < 0)
