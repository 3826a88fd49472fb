{#- What the chargeback report shows beside its FOCUS lines, per billing month: the cost (after contract
    discounts) broken down by one dimension at a time, next to the previous month, like for like.

    Like for like: N = the last day of the month with any call (compared_day_count); the previous month
    is summed over its days 1..N too (all of it when it is shorter). The change ratio is only given when
    the previous month has data on day 1 and up to day N (or its end): a previous month that starts late
    or stops early is partial, and a ratio of two different spans is not a change.

    The calls say what the month cost now; the invoice (the FOCUS lines) may differ: a closed month stays as
    booked, and an open month also bills what changed in closed months since (Adjustment lines). The total
    and tenant rows carry both, so the report can show what finance books beside what the calls say. -#}

{%- set dimensions = {
    'total': {'member': "'(all)'", 'keys': {}},
    'tenant': {'member': 'tenant_id', 'keys': {'tenant_id': 'tenant_id'}},
    'team': {'member': 'team', 'keys': {'team': 'team'}},
    'feature': {'member': 'feature', 'keys': {'feature': 'feature'}},
    'model': {'member': 'model', 'keys': {'model': 'model'}},
    'tenant_feature_model': {
        'member': "concat(tenant_id, ' / ', feature, ' / ', model)",
        'keys': {'tenant_id': 'tenant_id', 'feature': 'feature', 'model': 'model'}},
    'day': {'member': "cast(day_of_month as " ~ t_string() ~ ")", 'keys': {'day_of_month': 'day_of_month'}},
    'cost_source': {'member': 'cost_source', 'keys': {'cost_source': 'cost_source'}},
    'price_match_kind': {
        'member': 'price_match_kind', 'keys': {'price_match_kind': 'price_match_kind'},
        'where': "cost_source = 'calculated'"},
    'price_source': {'member': 'price_source', 'keys': {'price_source': 'price_source'}, 'where': 'price_source is not null'},
    'unpriced_model': {
        'member': "concat(provider, ' / ', model)",
        'keys': {'provider': 'provider', 'model': 'model'}, 'where': 'not has_price'},
} %}
{%- set key_columns = [
    'tenant_id', 'team', 'feature', 'model', 'provider', 'cost_source', 'price_match_kind', 'price_source', 'day_of_month'
] %}
{%- set group_positions = range(1, key_columns | length + 4) | join(', ') %}

with

charged_calls as (

    select
        *,
        cast({{ month_start('call_date') }} as date) as month_start_date,
        cast({{ day_of_month('call_date') }} as {{ t_int() }}) as day_of_month
    from {{ ref('int_llm_calls_charged') }}

),

tenants as (

    select * from {{ ref('tenants') }}

),

month_to_date as (

    select * from {{ ref('fct_spend_month_to_date') }}

),

focus_lines as (

    select * from {{ ref('fct_chargeback_focus_monthly') }}

),

invoiced as (

    -- what the FOCUS lines bill per month, in all and per tenant (the members of the total and tenant rows)
    {%- for name in ['total', 'tenant'] %}
    select
        billing_month_start_date as month_start_date,
        '{{ name }}' as dimension,
        {{ dimensions[name]['member'] }} as member,
        sum(billed_cost_usd) as invoiced_cost_usd,
        coalesce(sum(case when charge_category = 'Adjustment' then billed_cost_usd end), {{ money(0) }})
            as adjustment_cost_usd
    from focus_lines
    group by 1, 2, 3
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

closed_months as (

    select distinct billing_month_start_date as month_start_date
    from focus_lines
    where is_month_closed

),

months as (

    select
        month_start_date,
        min(call_date) as month_first_call_date,
        max(call_date) as month_last_call_date,
        cast(max(day_of_month) as {{ t_int() }}) as compared_day_count
    from charged_calls
    group by 1

),

month_pairs as (

    select
        months.*,
        {{ previous_month_start('months.month_start_date') }} as previous_month_start_date,
        previous.month_first_call_date as previous_month_first_call_date,
        previous.month_last_call_date as previous_month_last_call_date,
        cast({{ days_in_month('months.month_start_date') }} as {{ t_int() }}) as days_in_month,
        cast({{ days_in_month(add_days('months.month_start_date', -1)) }} as {{ t_int() }}) as previous_days_in_month
    from months
    left join months as previous
        on previous.month_start_date = {{ previous_month_start('months.month_start_date') }}

),

members as (

    {%- for name, dimension in dimensions.items() %}
    select
        month_start_date,
        call_date,
        '{{ name }}' as dimension,
        {{ dimension.member }} as member,
        {%- for column in key_columns %}
        {%- set null_key = 'cast(null as ' ~ (t_int() if column == 'day_of_month' else t_string()) ~ ')' %}
        {{ column if column in dimension['keys'] else null_key }} as {{ column }},
        {%- endfor %}
        day_of_month as call_day_of_month,
        llm_call_id,
        coalesce(trace_id, llm_call_id) as request_key,
        tenant_id as call_tenant_id,
        billed_cost_usd,
        case when cost_source = 'calculated' and is_cost_estimated then billed_cost_usd end as estimated_cost_usd,
        reported_cost_usd,
        total_tokens,
        is_unpriced
    from charged_calls
    {% if dimension.get('where') %}where {{ dimension['where'] }}{% endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

current_month as (

    select
        month_start_date,
        dimension,
        member,
        {%- for column in key_columns %}
        {{ column }},
        {%- endfor %}
        coalesce(sum(billed_cost_usd), {{ money(0) }}) as cost_usd,
        coalesce(sum(estimated_cost_usd), {{ money(0) }}) as estimated_cost_usd,
        count(*) as llm_call_count,
        {{ count_where('is_unpriced') }} as unpriced_call_count,
        {{ count_where('reported_cost_usd is not null') }} as reported_cost_call_count,
        coalesce(sum(reported_cost_usd), {{ money(0) }}) as reported_cost_usd,
        cast(coalesce(sum(total_tokens), 0) as {{ t_int() }}) as total_tokens,
        count(distinct request_key) as request_count,
        count(distinct call_tenant_id) as tenant_count,
        min(call_date) as first_call_date,
        max(call_date) as last_call_date
    from members
    group by {{ group_positions }}

),

previous_month as (

    -- the month before each month, in full and over its days 1..N, filed under the later month
    select
        month_pairs.month_start_date,
        members.dimension,
        members.member,
        {%- for column in key_columns %}
        members.{{ column }},
        {%- endfor %}
        coalesce(sum(members.billed_cost_usd), {{ money(0) }}) as previous_cost_usd,
        coalesce(
            sum(case when members.call_day_of_month <= month_pairs.compared_day_count then members.billed_cost_usd end),
            {{ money(0) }}
        ) as previous_like_for_like_cost_usd,
        count(distinct members.request_key) as previous_request_count
    from members
    inner join month_pairs
        on members.month_start_date = month_pairs.previous_month_start_date
    group by {{ group_positions }}

),

joined as (

    select
        coalesce(current_month.month_start_date, previous_month.month_start_date) as month_start_date,
        coalesce(current_month.dimension, previous_month.dimension) as dimension,
        coalesce(current_month.member, previous_month.member) as member,
        {%- for column in key_columns %}
        coalesce(current_month.{{ column }}, previous_month.{{ column }}) as {{ column }},
        {%- endfor %}
        coalesce(current_month.cost_usd, {{ money(0) }}) as cost_usd,
        coalesce(current_month.estimated_cost_usd, {{ money(0) }}) as estimated_cost_usd,
        coalesce(current_month.llm_call_count, 0) as llm_call_count,
        coalesce(current_month.unpriced_call_count, 0) as unpriced_call_count,
        coalesce(current_month.reported_cost_call_count, 0) as reported_cost_call_count,
        coalesce(current_month.reported_cost_usd, {{ money(0) }}) as reported_cost_usd,
        coalesce(current_month.total_tokens, 0) as total_tokens,
        coalesce(current_month.request_count, 0) as request_count,
        coalesce(current_month.tenant_count, 0) as tenant_count,
        current_month.first_call_date,
        current_month.last_call_date,
        coalesce(previous_month.previous_cost_usd, {{ money(0) }}) as previous_cost_usd,
        coalesce(previous_month.previous_like_for_like_cost_usd, {{ money(0) }}) as previous_like_for_like_cost_usd,
        coalesce(previous_month.previous_request_count, 0) as previous_request_count
    from current_month
    full outer join previous_month
        on current_month.month_start_date = previous_month.month_start_date
        and current_month.dimension = previous_month.dimension
        and current_month.member = previous_month.member

),

compared as (

    select
        joined.*,
        month_pairs.month_first_call_date,
        month_pairs.month_last_call_date,
        month_pairs.compared_day_count,
        month_pairs.previous_month_start_date,
        month_pairs.previous_month_first_call_date,
        month_pairs.previous_month_last_call_date,
        month_pairs.month_first_call_date > month_pairs.month_start_date
        or month_pairs.compared_day_count < month_pairs.days_in_month as is_month_partial,
        coalesce(
            month_pairs.previous_month_first_call_date > month_pairs.previous_month_start_date
            or {{ day_of_month('month_pairs.previous_month_last_call_date') }} < month_pairs.previous_days_in_month,
            true
        ) as is_previous_month_partial,
        -- the previous month's days 1..N all had data (N capped at its length)
        coalesce(
            month_pairs.previous_month_first_call_date = month_pairs.previous_month_start_date
            and {{ day_of_month('month_pairs.previous_month_last_call_date') }}
            >= least(month_pairs.compared_day_count, month_pairs.previous_days_in_month),
            false
        ) as is_like_for_like_comparable
    from joined
    inner join month_pairs
        on joined.month_start_date = month_pairs.month_start_date

),

final as (

    select
        {{ hash_key(['compared.month_start_date', 'compared.dimension', 'compared.member']) }} as breakdown_id,
        compared.month_start_date as billing_month_start_date,
        compared.dimension,
        compared.member,
        {%- for column in key_columns %}
        compared.{{ column }},
        {%- endfor %}
        tenants.tenant_name,
        case when compared.dimension = 'tenant' then coalesce(tenants.cost_center, '{{ var("unknown_label") }}') end
            as cost_center,
        compared.cost_usd,
        compared.estimated_cost_usd,
        case
            when month_total.cost_usd > 0
                then cast(compared.cost_usd as {{ t_float() }}) / cast(month_total.cost_usd as {{ t_float() }})
        end as share_of_month_total,
        compared.llm_call_count,
        compared.unpriced_call_count,
        compared.reported_cost_call_count,
        compared.reported_cost_usd,
        compared.total_tokens,
        compared.request_count,
        case when compared.request_count > 0 then {{ money('compared.cost_usd / compared.request_count') }} end
            as cost_per_request_usd,
        compared.tenant_count,
        compared.first_call_date,
        compared.last_call_date,
        compared.previous_cost_usd,
        compared.previous_request_count,
        case
            when compared.previous_request_count > 0
                then {{ money('compared.previous_cost_usd / compared.previous_request_count') }}
        end as previous_cost_per_request_usd,
        compared.month_first_call_date,
        compared.month_last_call_date,
        compared.is_month_partial,
        compared.previous_month_start_date,
        compared.previous_month_first_call_date,
        compared.previous_month_last_call_date,
        compared.is_previous_month_partial,
        compared.compared_day_count,
        compared.cost_usd as like_for_like_cost_usd,
        compared.previous_like_for_like_cost_usd,
        compared.cost_usd - compared.previous_like_for_like_cost_usd as like_for_like_change_usd,
        compared.is_like_for_like_comparable,
        case
            when compared.is_like_for_like_comparable and compared.previous_like_for_like_cost_usd > 0
                then cast(compared.cost_usd - compared.previous_like_for_like_cost_usd as {{ t_float() }})
                    / cast(compared.previous_like_for_like_cost_usd as {{ t_float() }})
        end as like_for_like_change_ratio,
        month_to_date.monthly_budget_usd,
        case when month_to_date.is_current_month then month_to_date.projected_month_end_cost_usd end
            as projected_month_end_cost_usd,
        invoiced.invoiced_cost_usd,
        invoiced.adjustment_cost_usd,
        closed_months.month_start_date is not null as is_month_closed
    from compared
    left join compared as month_total
        on compared.month_start_date = month_total.month_start_date
        and month_total.dimension = 'total'
    left join tenants
        on compared.dimension = 'tenant'
        and compared.tenant_id = tenants.tenant_id
    left join month_to_date
        on compared.dimension = 'tenant'
        and compared.tenant_id = month_to_date.tenant_id
        and compared.month_start_date = month_to_date.month_start_date
    left join invoiced
        on compared.month_start_date = invoiced.month_start_date
        and compared.dimension = invoiced.dimension
        and compared.member = invoiced.member
    left join closed_months
        on compared.month_start_date = closed_months.month_start_date

)

select * from final
