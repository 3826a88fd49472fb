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
