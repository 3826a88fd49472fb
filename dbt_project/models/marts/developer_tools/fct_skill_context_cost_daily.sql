{{ config(**date_partitioned('usage_date')) }}

{#- What each installed skill's listing (name + description + when_to_use, estimated tokens) costs in
    context per day: every installed skill rides in every session. Installed = in the latest snapshot of
    its scan on or before the day. A session's repository is not in the telemetry, so each skill is
    counted in every session of the day: an upper bound for project skills. Priced at the session's main
    model's input price (the price the LLM-call pricing matched to the day's Claude Code requests of that
    model, int_llm_calls_priced), as if uncached; with prompt caching most of
    it is billed at the cached-input price, given next to it. Skills of stale / never-used status are
    what the catalog costs for nothing (join dim_skills on skill_name). -#}
with

snapshots as (

    select * from {{ ref('stg_skills__catalog_snapshots') }}

),

sessions as (

    select * from {{ ref('int_claude_code_sessions') }}
    where {{ date_window('session_date') }}

),

prices as (

    select * from {{ ref('int_model_prices_unioned') }}

),

model_prices as (

    -- the price the LLM-call pricing matched to Claude Code's own requests, per day and model
    select
        call_date,
        lower(request_model) as model,
        max(price_id) as price_id
    from {{ ref('int_llm_calls_priced') }}
    where llm_convention = 'claude_code' and price_id is not null and {{ date_window('call_date') }}
    group by call_date, lower(request_model)

),

session_models as (

    select
        session_date,
        tenant_id,
        lower(main_model) as model,
        count(*) as sessions,
        sum(api_requests) as api_requests
    from sessions
    where api_requests > 0  -- a session that never called the model loaded nothing into it
    group by session_date, tenant_id, lower(main_model)

),

scan_days as (

    select distinct
        scan_id,
        snapshot_date
    from snapshots

),

installed_on as (

    -- for each session day, the latest snapshot of each scan taken on or before it
    select
        session_days.session_date,
        scan_days.scan_id,
        max(scan_days.snapshot_date) as snapshot_date
    from (select distinct session_date from session_models) as session_days
    inner join scan_days on session_days.session_date >= scan_days.snapshot_date
    group by session_days.session_date, scan_days.scan_id

),

installed as (

    select distinct
        installed_on.session_date,
        snapshots.skill_name,
        snapshots.context_tokens_estimated
    from installed_on
    inner join snapshots
        on installed_on.scan_id = snapshots.scan_id and installed_on.snapshot_date = snapshots.snapshot_date

),

priced_models as (

    select
        session_models.*,
        prices.input_usd_per_mtok,
        prices.cached_input_usd_per_mtok
    from session_models
    left join model_prices
        on session_models.session_date = model_prices.call_date and session_models.model = model_prices.model
    left join prices on model_prices.price_id = prices.price_id

),

costed as (

    select
        installed.session_date as usage_date,
        installed.skill_name,
        priced_models.tenant_id,
        max(installed.context_tokens_estimated) as context_tokens_per_session,
        sum(priced_models.sessions) as sessions_loaded,
        sum(priced_models.api_requests) as api_requests_loaded,
        sum(installed.context_tokens_estimated * priced_models.sessions) as context_tokens,
        {{ usd_from_mtok_product(
            'sum(' ~ token_decimal('installed.context_tokens_estimated * priced_models.sessions')
            ~ ' * priced_models.input_usd_per_mtok)') }} as context_cost_usd,
        {{ usd_from_mtok_product(
            'sum(' ~ token_decimal('installed.context_tokens_estimated * priced_models.api_requests')
            ~ ' * priced_models.cached_input_usd_per_mtok)') }} as context_cost_cached_all_requests_usd,
        count(case when priced_models.input_usd_per_mtok is null then 1 end) > 0 as has_unpriced_sessions
    from installed
    inner join priced_models
        on installed.session_date = priced_models.session_date
    group by installed.session_date, installed.skill_name, priced_models.tenant_id

),

keyed as (

    select
        {{ hash_key(['usage_date', 'skill_name', 'tenant_id']) }} as skill_context_day_key,
        *
    from costed

)

select * from keyed
