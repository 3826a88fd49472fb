-- Prompt versions over the last 7 days.
--
-- Answers: how does each prompt version behave per rollout label: its share of the prompt's calls,
--          cost per request, errors, truncations, refusals, structured-output failures and feedback?
-- Parameters: the 7 days ending on the latest day with calls.
-- Use: the daily rows (and per model) are in quality.fct_prompt_versions_daily.
with

params as (
    select max(call_date) as last_day from quality.fct_prompt_versions_daily
),

versions as (
    select
        prompt_name,
        prompt_version,
        prompt_label,
        sum(call_count) as calls,
        sum(request_count) as requests,
        sum(cost_usd) as cost_usd,
        sum(error_count) as errors,
        sum(truncation_rate * call_count) as truncated,
        sum(refusal_rate * call_count) as refused,
        sum(structured_output_failure_count) as parse_failures,
        sum(positive_feedback_count) as thumbs_up,
        sum(negative_feedback_count) as thumbs_down
    from quality.fct_prompt_versions_daily, params
    where call_date > params.last_day - 7
    group by 1, 2, 3
)

select
    prompt_name,
    prompt_version,
    prompt_label,
    calls,
    round(calls / sum(calls) over (partition by prompt_name), 3) as rollout_share,
    round(cost_usd / requests, 6) as cost_per_request_usd,
    round(errors / calls, 4) as error_rate,
    round(truncated / calls, 4) as truncation_rate,
    round(refused / calls, 4) as refusal_rate,
    parse_failures,
    thumbs_up,
    thumbs_down
from versions
order by prompt_name, prompt_version, prompt_label
