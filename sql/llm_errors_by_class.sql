-- LLM errors by class over the last 7 days.
--
-- Answers: per provider, model and prompt version: how many calls failed, and why (provider 5xx,
--          rate limit, timeout, content filter, parse failure, cancelled, other), with the retry rate.
-- Parameters: the 7 days ending on the latest day with calls.
-- Use: the classes are the macro error_class's, the same in the prompt and streaming marts.
with

params as (
    select max(call_date) as last_day from quality.fct_llm_errors_daily
)

select
    provider_name,
    model,
    prompt_version,
    sum(call_count) as calls,
    sum(error_count) as errors,
    round(sum(error_count) / sum(call_count), 4) as error_rate,
    sum(provider_5xx_count) as provider_5xx,
    sum(rate_limit_count) as rate_limit,
    sum(timeout_count) as timeout,
    sum(content_filter_count) as content_filter,
    sum(parse_failure_count) as parse_failure,
    sum(cancelled_count) as cancelled,
    sum(other_count) as other,
    round(sum(retry_count) / sum(call_count), 4) as retry_rate
from quality.fct_llm_errors_daily, params
where call_date > params.last_day - 7
group by 1, 2, 3
order by errors desc, provider_name, model, prompt_version
