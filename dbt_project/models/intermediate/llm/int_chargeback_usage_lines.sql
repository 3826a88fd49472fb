{#- The chargeback's usage lines as the calls say now: one row per billing month x tenant x feature x
    team x provider x model x service tier x usage type, from the call-level split of int_llm_calls_charged; a month's
    rows add up exactly to its calls' cost less contract discounts. fct_chargeback_focus_monthly shows
    them for open months; a closed month keeps its snapshot (fct_chargeback_closed_lines) and the
    difference becomes Adjustment lines. -#}

{%- set kinds = chargeback_usage_types() %}
{%- set match_kinds = ['exact', 'request_model', 'alias', 'family', 'override'] %}

with

charged_calls as (

    select * from {{ ref('int_llm_calls_charged') }}

),

tenants as (

    select * from {{ ref('tenants') }}

),

grouped as (

    select
        cast({{ month_start('call_date') }} as date) as billing_month_start_date,
        tenant_id,
        feature,
        team,
        provider,
        model,
        service_tier,
        min(call_date) as first_call_date,
        max(call_date) as last_call_date,
        count(*) as llm_call_count,
        {{ count_where("cost_source = 'reported'") }} as reported_call_count,
        {{ count_where("cost_source = 'calculated'") }} as calculated_call_count,
        {{ count_where("is_unpriced") }} as unpriced_call_count,
        {{ count_where("contract_name is not null") }} as contracted_call_count,
        max(case when is_cost_split_estimated then 1 else 0 end) = 1 as is_cost_split_estimated,
        {%- for kind in kinds %}
        cast(sum({{ kind.name }}_tokens) as {{ t_int() }}) as {{ kind.name }}__tokens,
        cast(sum(case when is_unpriced then {{ kind.name }}_tokens else 0 end) as {{ t_int() }})
            as {{ kind.name }}__unpriced_tokens,
        case
            when min({{ kind.name }}_list_price_usd_per_mtok) = max({{ kind.name }}_list_price_usd_per_mtok)
                then max({{ kind.name }}_list_price_usd_per_mtok)
        end as {{ kind.name }}__list_price,
        -- no list price known (unpriced, or a reported cost only): list = billed
        sum(case
            when calculated_cost_usd is not null then {{ kind.name }}_list_cost_usd
            else {{ kind.name }}_billed_cost_usd
        end) as {{ kind.name }}__list_cost,
        sum({{ kind.name }}_billed_cost_usd) as {{ kind.name }}__billed_cost,
        coalesce(sum(case when cost_source = 'reported' then {{ kind.name }}_billed_cost_usd end), {{ money(0) }})
            as {{ kind.name }}__reported_cost,
        coalesce(sum(case when cost_source = 'calculated' then {{ kind.name }}_billed_cost_usd end), {{ money(0) }})
            as {{ kind.name }}__calculated_cost,
        {%- for match_kind in match_kinds %}
        coalesce(
            sum(case
                when cost_source = 'calculated' and price_match_kind = '{{ match_kind }}'
                    then {{ kind.name }}_billed_cost_usd
            end),
            {{ money(0) }}
        ) as {{ kind.name }}__{{ match_kind }}_match_cost,
        {%- endfor %}
        coalesce(
            sum(case when cost_source = 'calculated' and is_cost_estimated then {{ kind.name }}_billed_cost_usd end),
            {{ money(0) }}
        ) as {{ kind.name }}__estimated_cost{% if not loop.last %},{% endif %}
        {%- endfor %}
    from charged_calls
    group by 1, 2, 3, 4, 5, 6, 7

),

by_usage_type as (

    {%- for kind in kinds %}
    select
        billing_month_start_date,
        tenant_id,
        feature,
        team,
        provider,
        model,
        service_tier,
        '{{ kind.name }}' as usage_type,
        '{{ kind.label }}' as usage_type_label,
        first_call_date,
        last_call_date,
        llm_call_count,
        reported_call_count,
        calculated_call_count,
        unpriced_call_count,
        contracted_call_count,
        is_cost_split_estimated,
        {{ kind.name }}__tokens as consumed_tokens,
        {{ kind.name }}__unpriced_tokens as unpriced_tokens,
        {{ kind.name }}__list_price as list_unit_price_usd_per_mtok,
        {{ kind.name }}__list_cost as list_cost_usd,
        {{ kind.name }}__billed_cost as billed_cost_usd,
        {{ kind.name }}__reported_cost as reported_cost_usd,
        {{ kind.name }}__calculated_cost as calculated_cost_usd,
        {%- for match_kind in match_kinds %}
        {{ kind.name }}__{{ match_kind }}_match_cost as {{ match_kind }}_match_cost_usd,
        {%- endfor %}
        {{ kind.name }}__estimated_cost as estimated_cost_usd
    from grouped
    where {{ kind.name }}__tokens > 0 or {{ kind.name }}__billed_cost != 0 or {{ kind.name }}__list_cost != 0
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        {{ hash_key([
            'by_usage_type.billing_month_start_date', 'by_usage_type.tenant_id', 'by_usage_type.feature',
            'by_usage_type.team', 'by_usage_type.provider', 'by_usage_type.model', 'by_usage_type.service_tier',
            'by_usage_type.usage_type',
            "'Usage'"
        ]) }} as chargeback_line_id,
        by_usage_type.billing_month_start_date,
        {{ next_month_start('by_usage_type.billing_month_start_date') }}
            as billing_month_end_date,
        by_usage_type.first_call_date as charge_period_start_date,
        cast({{ add_days('by_usage_type.last_call_date', 1) }} as date) as charge_period_end_date,
        'Usage' as charge_category,
        cast(null as date) as adjusted_month_start_date,
        by_usage_type.tenant_id,
        tenants.tenant_name,
        coalesce(tenants.cost_center, '{{ var("unknown_label") }}') as cost_center,
        tenants.plan,
        by_usage_type.team,
        by_usage_type.feature,
        by_usage_type.provider,
        by_usage_type.model,
        by_usage_type.service_tier,
        by_usage_type.usage_type,
        by_usage_type.usage_type_label,
        by_usage_type.consumed_tokens,
        by_usage_type.unpriced_tokens,
        by_usage_type.list_unit_price_usd_per_mtok,
        by_usage_type.list_cost_usd,
        -- after the contract discount: what is charged back; no amortised commitments, so all three agree
        by_usage_type.billed_cost_usd as contracted_cost_usd,
        by_usage_type.billed_cost_usd as effective_cost_usd,
        by_usage_type.billed_cost_usd,
        by_usage_type.reported_cost_usd,
        by_usage_type.calculated_cost_usd,
        {%- for match_kind in match_kinds %}
        by_usage_type.{{ match_kind }}_match_cost_usd,
        {%- endfor %}
        by_usage_type.estimated_cost_usd,
        case
            when by_usage_type.reported_call_count > 0 and by_usage_type.calculated_call_count = 0
                and by_usage_type.unpriced_call_count = 0 then 'reported'
            when by_usage_type.reported_call_count = 0 and by_usage_type.calculated_call_count > 0
                and by_usage_type.unpriced_call_count = 0 then 'calculated'
            when by_usage_type.reported_call_count = 0 and by_usage_type.calculated_call_count = 0
                and by_usage_type.unpriced_call_count > 0 then 'unpriced'
            when by_usage_type.reported_call_count + by_usage_type.calculated_call_count
                + by_usage_type.unpriced_call_count = 0 then 'none'
            else concat(
                    {#- the sources present, in a fixed order, joined by + -#}
                    case when by_usage_type.reported_call_count > 0 then 'reported' else '' end,
                    case
                        when
                            by_usage_type.reported_call_count > 0 and by_usage_type.calculated_call_count > 0
                            then '+'
                        else ''
                    end,
                    case when by_usage_type.calculated_call_count > 0 then 'calculated' else '' end,
                    case when by_usage_type.unpriced_call_count > 0 then '+unpriced' else '' end
                )
        end as cost_source,
        by_usage_type.is_cost_split_estimated,
        by_usage_type.llm_call_count as group_llm_call_count,
        by_usage_type.contracted_call_count as group_contracted_call_count
    from by_usage_type
    left join tenants
        on by_usage_type.tenant_id = tenants.tenant_id

)

select * from final
