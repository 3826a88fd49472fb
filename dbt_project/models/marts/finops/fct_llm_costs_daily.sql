{{ config(**date_partitioned('cost_date')) }}

{#- Daily LLM spend by tenant x feature x team x model x provider x prompt version. Sums add up to
    the call-level costs to the cent; `request_count` counts distinct requests in the group and so
    does not add up across groups (a request may call several models). `billed_cost_usd` is after the
    contract discounts of seed contract_rates (int_llm_calls_charged), as the chargeback bills it.
    Where traces are sampled, the measured sums cover the kept calls only; the extrapolated_* columns
    weight each call by its recorded sample rate (the Horvitz-Thompson estimate of the whole traffic). -#}

with

calls as (

    select * from {{ ref('int_llm_calls_priced') }}
    where {{ date_window('call_date') }}

),

charged_calls as (

    select * from {{ ref('int_llm_calls_charged') }}
    where {{ date_window('call_date') }}

),

tenants as (

    select * from {{ ref('tenants') }}

),

keyed as (

    select
        calls.call_date as cost_date,
        coalesce(calls.tenant_id, '{{ var("unknown_label") }}') as tenant_id,
        coalesce(calls.feature, '{{ var("unknown_label") }}') as feature,
        coalesce(calls.team, tenants.team, '{{ var("unknown_label") }}') as team,
        coalesce(calls.model, '{{ var("unknown_label") }}') as model,
        -- behind a gateway the provider is the one whose price the model name matched
        coalesce(calls.provider_id, calls.price_provider, '{{ var("unknown_label") }}') as provider,
        coalesce(calls.prompt_version, '{{ var("unknown_label") }}') as prompt_version,
        calls.trace_id,
        calls.llm_call_id,
        calls.input_tokens,
        calls.uncached_input_tokens,
        calls.cache_read_tokens,
        calls.cache_write_tokens,
        calls.output_tokens,
        calls.reasoning_tokens,
        calls.total_tokens,
        calls.reported_cost_usd,
        calls.calculated_cost_usd,
        calls.cost_usd,
        calls.cost_source,
        calls.cache_savings_usd,
        calls.price_match_kind,
        calls.is_cost_estimated,
        calls.is_unpriced,
        charged_calls.contract_discount_usd,
        -- a sampled call stands for 1 / p calls (rounded: 1 / 0.1 carries float noise); its cost is
        -- weighted in decimals: cost x whole micro-units of weight, scaled back like tokens x price per
        -- million, so no float touches the money and both warehouses give the same digits
        round({{ sample_weight('calls.sample_rate') }}, 6) as sample_weight,
        {{ usd_from_mtok_product(
            'calls.cost_usd * cast(round(' ~ sample_weight('calls.sample_rate') ~ ' * 1000000) as ' ~ t_int() ~ ')'
        ) }} as extrapolated_cost_usd
    from calls
    left join tenants
        on calls.tenant_id = tenants.tenant_id
    left join charged_calls
        on calls.llm_call_id = charged_calls.llm_call_id

),

aggregated as (

    select
        cost_date,
        tenant_id,
        feature,
        team,
        model,
        provider,
        prompt_version,
        count(distinct coalesce(trace_id, llm_call_id)) as request_count,
        count(*) as llm_call_count,
        {{ token_sums([
            'input_tokens', 'uncached_input_tokens', 'cache_read_tokens', 'cache_write_tokens',
            'output_tokens', 'reasoning_tokens', 'total_tokens'
        ]) }},
        coalesce(sum(reported_cost_usd), {{ money(0) }}) as reported_cost_usd,
        coalesce(sum(case when cost_source = 'calculated' then calculated_cost_usd end), {{ money(0) }})
            as calculated_cost_usd,
        coalesce(sum(cost_usd), {{ money(0) }}) as total_cost_usd,
        coalesce(sum(contract_discount_usd), {{ money(0) }}) as contract_discount_usd,
        coalesce(sum(cost_usd), {{ money(0) }}) - coalesce(sum(contract_discount_usd), {{ money(0) }})
            as billed_cost_usd,
        coalesce(sum(cache_savings_usd), {{ money(0) }}) as cache_savings_usd,
        -- what the price table says the reported calls cost: beside reported_cost_usd, a difference is a finding
        coalesce(
            sum(case when cost_source = 'reported' then calculated_cost_usd end), {{ money(0) }}
        ) as calculated_cost_of_reported_usd,
        -- calculated cost by how the price was found (they add up to calculated_cost_usd)
        {%- for kind in ['exact', 'request_model', 'alias', 'family', 'override'] %}
        coalesce(
            sum(case when cost_source = 'calculated' and price_match_kind = '{{ kind }}' then calculated_cost_usd end),
            {{ money(0) }}
        ) as {{ kind }}_match_cost_usd,
        {%- endfor %}
        coalesce(
            sum(case when cost_source = 'calculated' and is_cost_estimated then calculated_cost_usd end), {{ money(0) }}
        ) as estimated_cost_usd,
        {{ count_where("cost_source = 'reported'") }} as reported_call_count,
        {{ count_where("cost_source = 'calculated'") }} as calculated_call_count,
        {{ count_where("is_unpriced") }} as unpriced_call_count,
        cast(sum(case when is_unpriced then total_tokens else 0 end) as {{ t_int() }}) as unpriced_tokens,
        {{ count_where('sample_weight > 1') }} > 0 as is_sampled,
        cast(sum(sample_weight) as {{ t_float() }}) as extrapolated_llm_call_count,
        coalesce(sum(extrapolated_cost_usd), {{ money(0) }}) as extrapolated_cost_usd
    from keyed
    group by 1, 2, 3, 4, 5, 6, 7

),

final as (

    select
        {{ hash_key(['cost_date', 'tenant_id', 'feature', 'team', 'model', 'provider', 'prompt_version']) }}
            as cost_row_id,
        *,
        case when request_count > 0 then {{ money('total_cost_usd / request_count') }} end as cost_per_request_usd,
        case when input_tokens > 0 then cast(cache_read_tokens as {{ t_float() }}) / input_tokens end as cache_hit_rate
    from aggregated

)

select * from final
