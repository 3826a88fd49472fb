{#- The chargeback's usage types: how a call's tokens divide into billable kinds, each with its price
    column of int_model_prices_unioned. Input tokens include cache reads and writes, output includes
    reasoning (GenAI semantic conventions), so the kinds never count a token twice. -#}
{% macro chargeback_usage_types() %}
    {{ return([
        {'name': 'input', 'label': 'input tokens', 'price': 'input_usd_per_mtok',
         'tokens': 'coalesce(calls.uncached_input_tokens, 0)'},
        {'name': 'cached_input', 'label': 'cached input tokens (cache reads)', 'price': 'cached_input_usd_per_mtok',
         'tokens': 'coalesce(calls.cache_read_tokens, 0)'},
        {'name': 'cache_write', 'label': 'cache write tokens', 'price': 'cache_write_usd_per_mtok',
         'tokens': 'coalesce(calls.cache_write_tokens, 0)'},
        {'name': 'output', 'label': 'output tokens', 'price': 'output_usd_per_mtok',
         'tokens': 'greatest(coalesce(calls.output_tokens, 0) - coalesce(calls.reasoning_tokens, 0), 0)'},
        {'name': 'reasoning', 'label': 'reasoning tokens', 'price': 'reasoning_usd_per_mtok',
         'tokens': 'least(coalesce(calls.reasoning_tokens, 0), coalesce(calls.output_tokens, 0))'},
    ]) }}
{% endmacro %}

{#- Month arithmetic as dates on every engine (the BigQuery emulator makes DATE + INTERVAL a timestamp). -#}
{% macro next_month_start(month_start_date) -%}
    cast({{ add_days(month_start_date, days_in_month(month_start_date)) }} as date)
{%- endmacro %}
{% macro previous_month_start(month_start_date) -%}
    cast({{ month_start(add_days(month_start_date, -1)) }} as date)
{%- endmacro %}

{#- `percent`% of an amount of money, rounded once to the money scale: exact on both warehouses
    (BigQuery's NUMERIC would round the product to 9 places before the division). -#}
{% macro percent_of_money(amount, percent) %}{{ return(adapter.dispatch('percent_of_money', 'spanledger')(amount, percent)) }}{% endmacro %}
{% macro duckdb__percent_of_money(amount, percent) -%}
    cast(({{ amount }}) * ({{ percent }}) * cast(0.01 as decimal(38, 2)) as decimal(38, 9))
{%- endmacro %}
{% macro bigquery__percent_of_money(amount, percent) -%}
    cast(cast({{ amount }} as bignumeric) * cast({{ percent }} as bignumeric) / 100 as numeric)
{%- endmacro %}

{#- An amount of money as whole nano-dollars (the money scale is 9), and back. -#}
{% macro money_units(amount) %}{{ return(adapter.dispatch('money_units', 'spanledger')(amount)) }}{% endmacro %}
{% macro duckdb__money_units(amount) -%}
    cast(({{ amount }}) * 1000000000 as hugeint)
{%- endmacro %}
{% macro bigquery__money_units(amount) -%}
    cast(({{ amount }}) * 1000000000 as bignumeric)
{%- endmacro %}

{#- floor(total x weight / total_weight) in whole nano-dollars, as money: the same digits on both
    warehouses (integer division, no float and no per-step rounding). Weights are non-negative. -#}
{% macro money_share(total, weight, total_weight) %}{{ return(adapter.dispatch('money_share', 'spanledger')(total, weight, total_weight)) }}{% endmacro %}
{% macro duckdb__money_share(total, weight, total_weight) -%}
    cast(
        cast({{ money_units(total) }} * cast({{ weight }} as hugeint) // cast({{ total_weight }} as hugeint) as decimal(38, 0))
        * cast(0.000000001 as decimal(38, 9))
        as decimal(38, 9)
    )
{%- endmacro %}
{% macro bigquery__money_share(total, weight, total_weight) -%}
    cast(div({{ money_units(total) }} * cast({{ weight }} as bignumeric), cast({{ total_weight }} as bignumeric)) / 1000000000 as numeric)
{%- endmacro %}

{#- The chargeback line: its key (one line per month and key and charge category) and the measures a later
    change of a closed month moves, in the column order of fct_chargeback_focus_monthly. -#}
{% macro chargeback_line_key() %}
    {{ return(['tenant_id', 'feature', 'team', 'provider', 'model', 'service_tier', 'usage_type']) }}
{% endmacro %}
{% macro chargeback_line_measures() %}
    {{ return(['consumed_tokens', 'unpriced_tokens', 'list_cost_usd', 'contracted_cost_usd', 'effective_cost_usd',
               'billed_cost_usd', 'reported_cost_usd', 'calculated_cost_usd', 'exact_match_cost_usd',
               'request_model_match_cost_usd', 'alias_match_cost_usd', 'family_match_cost_usd',
               'override_match_cost_usd', 'estimated_cost_usd', 'group_llm_call_count', 'group_contracted_call_count']) }}
{% endmacro %}
{% macro chargeback_line_columns() %}
    {{ return(['chargeback_line_id', 'billing_month_start_date', 'billing_month_end_date', 'charge_period_start_date',
               'charge_period_end_date', 'charge_category', 'adjusted_month_start_date', 'tenant_id', 'tenant_name',
               'cost_center', 'plan', 'team', 'feature', 'provider', 'model', 'service_tier', 'usage_type', 'usage_type_label',
               'list_unit_price_usd_per_mtok', 'cost_source', 'is_cost_split_estimated'] + chargeback_line_measures()) }}
{% endmacro %}

{#- CTEs (ending in `adjustment_lines`, in the columns of chargeback_line_columns) of what closed months owe: for each closed month, its usage lines
    as the calls say now minus what was booked for it (its snapshot and the adjustments already closed in
    later months), per line, billed in the first month after it that is not closed. -#}
{% macro chargeback_pending_adjustments(usage_lines, closed_lines) %}
{%- set key = chargeback_line_key() %}
{%- set measures = chargeback_line_measures() %}
closed_months as (

    select distinct billing_month_start_date as month_start_date
    from {{ closed_lines }}

),

open_after_closed as (

    -- a month just after a closed one that is not closed itself
    select {{ next_month_start('month_start_date') }} as month_start_date
    from closed_months
    where {{ next_month_start('month_start_date') }}
        not in (select month_start_date from closed_months)

),

next_open_months as (

    select
        closed_months.month_start_date as adjusted_month_start_date,
        min(open_after_closed.month_start_date) as billing_month_start_date
    from closed_months
    inner join open_after_closed
        on open_after_closed.month_start_date > closed_months.month_start_date
    group by 1

),

booked as (

    select
        case when charge_category = 'Usage' then billing_month_start_date else adjusted_month_start_date end
            as adjusted_month_start_date,
        {% for column in key %}{{ column }},
        {% endfor -%}
        {%- for column in measures %}
        sum({{ column }}) as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ closed_lines }}
    group by {% for i in range(1, key | length + 2) %}{{ i }}{% if not loop.last %}, {% endif %}{% endfor %}

),

live as (

    select *
    from {{ usage_lines }}
    where billing_month_start_date in (select month_start_date from closed_months)

),

pending_adjustments as (

    select
        next_open_months.billing_month_start_date,
        {{ next_month_start('next_open_months.billing_month_start_date') }}
            as billing_month_end_date,
        next_open_months.billing_month_start_date as charge_period_start_date,
        {{ next_month_start('next_open_months.billing_month_start_date') }}
            as charge_period_end_date,
        'Adjustment' as charge_category,
        next_open_months.adjusted_month_start_date,
        {%- for column in key %}
        coalesce(live.{{ column }}, booked.{{ column }}) as {{ column }},
        {%- endfor %}
        live.tenant_name,
        coalesce(live.cost_center, '{{ var("unknown_label") }}') as cost_center,
        live.plan,
        coalesce(live.usage_type_label, coalesce(live.usage_type, booked.usage_type)) as usage_type_label,
        cast(null as {{ t_money() }}) as list_unit_price_usd_per_mtok,
        coalesce(live.cost_source, 'none') as cost_source,
        coalesce(live.is_cost_split_estimated, false) as is_cost_split_estimated,
        {%- for column in measures %}
        coalesce(live.{{ column }}, 0) - coalesce(booked.{{ column }}, 0) as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from live
    full outer join booked
        on live.billing_month_start_date = booked.adjusted_month_start_date
        {%- for column in key %}
        and live.{{ column }} = booked.{{ column }}
        {%- endfor %}
    inner join next_open_months
        on coalesce(live.billing_month_start_date, booked.adjusted_month_start_date)
        = next_open_months.adjusted_month_start_date
    where {% for column in measures %}coalesce(live.{{ column }}, 0) != coalesce(booked.{{ column }}, 0){% if not loop.last %}
        or {% endif %}{% endfor %}

),

adjustment_lines as (

    select
        {{ hash_key(
            ['billing_month_start_date'] + chargeback_line_key() + ["'Adjustment'", 'adjusted_month_start_date']
        ) }} as chargeback_line_id,
        {% for column in chargeback_line_columns()[1:] %}{{ column }}{% if not loop.last %},
        {% endif %}{% endfor %}
    from pending_adjustments

)
{% endmacro %}

{#- A price refresh's view of the chargeback: each open month's cost per tenant (closed months stay as
    booked; their repricing shows as Adjustment lines of the next open month, included here). Built
    before and after a scratch reprice (fct_price_refresh_baseline, fct_price_refresh_diff). -#}
{% macro price_refresh_tenant_months() %}
    select
        billing_month_start_date,
        tenant_id,
        sum(list_cost_usd) as list_cost_usd,
        sum(billed_cost_usd) as billed_cost_usd
    from {{ ref('fct_chargeback_focus_monthly') }}
    where not is_month_closed
    group by 1, 2
{% endmacro %}
