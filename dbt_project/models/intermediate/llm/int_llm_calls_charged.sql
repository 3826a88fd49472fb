{{ config(**date_partitioned('call_date')) }}

{#- What each LLM call is charged back, split by usage type (macro chargeback_usage_types), keyed as the
    FinOps marts key calls (unknown label for missing keys, the tenants seed's team as fallback).

    Per usage type: list cost = tokens x the standard service tier's list price (the price table at the
    call's long-context rate, or a negotiated override); tier cost = tokens x the unit price the call paid
    for its service tier (batch, flex, priority: int_llm_calls_priced), so list cost - tier cost is what the
    tier saved; billed cost = what the tenant is charged. A calculated cost gets the contract discount of seed contract_rates
    (the most specific row in effect on the call date: tenant + model, model, tenant, provider); a cost the
    provider reported is already what was billed and gets none. The parts add up exactly to
    cost_usd - contract_discount_usd: every kind but the largest takes its exact share (its contracted list
    cost; for a reported cost a floor share in nano-dollars in proportion to list cost, else tokens), the
    largest takes the rest (of the tier cost). A reported cost split over several kinds is an estimate (is_cost_split_estimated);
    a cost without any token counts is billed as output. -#}

{%- set kinds = chargeback_usage_types() %}

with

calls as (

    select * from {{ ref('int_llm_calls_priced') }}
    where {{ date_window('call_date') }}

),

prices as (

    select * from {{ ref('int_model_prices_unioned') }}

),

tenants as (

    select * from {{ ref('tenants') }}

),

contract_rates as (

    select * from {{ ref('contract_rates') }}

),

keyed as (

    select
        calls.llm_call_id,
        calls.trace_id,
        calls.call_date,
        coalesce(calls.tenant_id, '{{ var("unknown_label") }}') as tenant_id,
        coalesce(calls.feature, '{{ var("unknown_label") }}') as feature,
        coalesce(calls.team, tenants.team, '{{ var("unknown_label") }}') as team,
        coalesce(calls.provider_id, calls.price_provider, '{{ var("unknown_label") }}') as provider,
        coalesce(calls.model, '{{ var("unknown_label") }}') as model,
        calls.service_tier,
        calls.service_tier_price_kind,
        calls.cost_source,
        calls.price_match_kind,
        calls.is_cost_estimated,
        calls.has_price,
        calls.is_unpriced,
        calls.price_source,
        calls.total_tokens,
        calls.reported_cost_usd,
        calls.calculated_cost_usd,
        coalesce(calls.cost_usd, {{ money(0) }}) as cost_usd,
    {%- for kind in kinds %}
    cast({{ kind.tokens }} as {{ t_int() }}) as {{ kind.name }}_tokens,
    case when calls.has_price then prices.{{ kind.price }} end as {{ kind.name }}_list_price_usd_per_mtok,
    -- no list cost where the price table gave no cost (no price, or token classes that do not add up)
    case when calls.calculated_cost_usd is not null
            then
                {{ usd_from_mtok_product(token_decimal(kind.tokens) ~ ' * prices.' ~ kind.price) }}
        else {{ money(0) }}
    end as {{ kind.name }}_list_cost_usd,
    case when calls.calculated_cost_usd is not null
            then
                {{ usd_from_mtok_product(token_decimal(kind.tokens) ~ ' * calls.' ~ kind.price) }}
        else {{ money(0) }}
    end as {{ kind.name }}_tier_cost_usd{% if not loop.last %},{% endif %}
    {%- endfor %}
    from calls
    left join tenants
        on calls.tenant_id = tenants.tenant_id
    left join prices
        on calls.price_id = prices.price_id

),

contract_matches as (

    select
        keyed.llm_call_id,
        contract_rates.contract_name,
        contract_rates.discount_pct,
        row_number() over (
            partition by keyed.llm_call_id
            order by
                case when contract_rates.tenant_id is not null then 0 else 1 end,
                case when contract_rates.model is not null then 0 else 1 end,
                contract_rates.valid_from desc
        ) as contract_rank
    from keyed
    inner join contract_rates
        on keyed.provider = lower(trim(contract_rates.provider))
        and (contract_rates.model is null or keyed.model = lower(trim(contract_rates.model)))
        and (contract_rates.tenant_id is null or keyed.tenant_id = contract_rates.tenant_id)
        and keyed.call_date >= contract_rates.valid_from
        and (contract_rates.valid_to is null or keyed.call_date < contract_rates.valid_to)
    where keyed.cost_source = 'calculated'

),

contracted as (

    select
        keyed.*,
        contract_matches.contract_name,
        contract_matches.discount_pct as contract_discount_pct,
        {%- for kind in kinds %}
        case
            when contract_matches.discount_pct is null then keyed.{{ kind.name }}_tier_cost_usd
            else {{ percent_of_money('keyed.' ~ kind.name ~ '_tier_cost_usd', '100 - contract_matches.discount_pct') }}
        end as {{ kind.name }}_contracted_cost_usd,
        {%- endfor %}
        -- weights of the split: list costs in nano-dollars, else tokens, else none (all to output)
    {%- for kind in kinds %}
    case
        when {% for k in kinds %}keyed.{{ k.name }}_list_cost_usd{% if not loop.last %}
            + {% endif %}{% endfor %}
            > 0
            then {{ money_units('keyed.' ~ kind.name ~ '_list_cost_usd') }}
        else keyed.{{ kind.name }}_tokens
    end as {{ kind.name }}_weight{% if not loop.last %},{% endif %}
    {%- endfor %}
    from keyed
    left join contract_matches
        on keyed.llm_call_id = contract_matches.llm_call_id
        and contract_matches.contract_rank = 1

),

anchored as (

    select
        contracted.*,
        {% for kind in kinds %}contracted.{{ kind.name }}_weight{% if not loop.last %}
        + {% endif %}{% endfor %} as total_weight,
        case
            {%- for kind in kinds %}
            when {% for other in kinds if other.name != kind.name %}contracted.{{ kind.name }}_weight
                >= contracted.{{ other.name }}_weight{% if not loop.last %}
                and {% endif %}{% endfor %}
                and contracted.{{ kind.name }}_weight > 0 then '{{ kind.name }}'
            {%- endfor %}
            else 'output'
        end as largest_usage_type,
        contracted.cost_usd - (
            {% for kind in kinds %}contracted.{{ kind.name }}_tier_cost_usd
            - contracted.{{ kind.name }}_contracted_cost_usd{% if not loop.last %}
            + {% endif %}{% endfor %}
        ) as billed_cost_usd
    from contracted

),

shared as (

    select
        anchored.*,
    {%- for kind in kinds %}
    case
        when anchored.largest_usage_type = '{{ kind.name }}' then null
        when anchored.total_weight = 0 then {{ money(0) }}
        when anchored.cost_source = 'calculated' then anchored.{{ kind.name }}_contracted_cost_usd
        else {{ money_share('anchored.billed_cost_usd', 'anchored.' ~ kind.name ~ '_weight', 'anchored.total_weight') }}
    end as {{ kind.name }}_share_usd{% if not loop.last %},{% endif %}
    {%- endfor %}
    from anchored

),

final as (

    select
        llm_call_id,
        trace_id,
        call_date,
        tenant_id,
        feature,
        team,
        provider,
        model,
        service_tier,
        service_tier_price_kind,
        cost_source,
        price_match_kind,
        is_cost_estimated,
        has_price,
        is_unpriced,
        price_source,
        contract_name,
        contract_discount_pct,
        total_tokens,
        reported_cost_usd,
        calculated_cost_usd,
        cost_usd,
        cost_usd - billed_cost_usd as contract_discount_usd,
        -- what the service tier saved on the standard list price (negative: a priority premium)
        case
            when cost_source = 'calculated'
                then
                {%- for kind in kinds %}
                    {{ kind.name }}_list_cost_usd - {{ kind.name }}_tier_cost_usd{% if not loop.last %} +{% endif %}
                {%- endfor %}
            else {{ money(0) }}
        end as service_tier_savings_usd,
        billed_cost_usd,
        cost_source = 'reported'
        and (
            {% for kind in kinds %}case
                when {{ kind.name }}_weight > 0 then 1 else 0
            end{% if not loop.last %}
            + {% endif %}{% endfor %}
        )
        > 1
            as is_cost_split_estimated,
    {%- for kind in kinds %}
    {{ kind.name }}_tokens,
    {{ kind.name }}_list_price_usd_per_mtok,
    {{ kind.name }}_list_cost_usd,
    coalesce(
        {{ kind.name }}_share_usd,
        billed_cost_usd{% for other in kinds if other.name != kind.name %}
        - coalesce({{ other.name }}_share_usd, {{ money(0) }}){% endfor %}
    ) as {{ kind.name }}_billed_cost_usd{% if not loop.last %},{% endif %}
    {%- endfor %}
    from shared

)

select * from final
