{#- Money is exact decimal end to end: decimal(38,9) on DuckDB, NUMERIC on BigQuery. -#}

{#- BigQuery's exact types by name: NUMERIC has 9 decimal places, BIGNUMERIC 38. An emulator that
    maps the bare names to narrower decimals (bqemulator: 3 and 5 places) is given parameterized
    names instead (SPANLEDGER_BQ_NUMERIC_TYPE / SPANLEDGER_BQ_BIGNUMERIC_TYPE, set by the tests). -#}
{% macro bq_numeric() %}{{ return(env_var('SPANLEDGER_BQ_NUMERIC_TYPE', 'numeric')) }}{% endmacro %}
{% macro bq_bignumeric() %}{{ return(env_var('SPANLEDGER_BQ_BIGNUMERIC_TYPE', 'bignumeric')) }}{% endmacro %}
{% macro money(expression) %}{{ return(adapter.dispatch('money', 'spanledger')(expression)) }}{% endmacro %}
{% macro duckdb__money(expression) -%}
    cast({{ expression }} as decimal(38, 9))
{%- endmacro %}
{% macro bigquery__money(expression) -%}
    cast({{ expression }} as {{ bq_numeric() }})
{%- endmacro %}

{#- Token counts as exact integers with a decimal type, so token x price keeps scale 9 and never
    turns into a float. -#}
{% macro token_decimal(expression) %}{{ return(adapter.dispatch('token_decimal', 'spanledger')(expression)) }}{% endmacro %}
{% macro duckdb__token_decimal(expression) -%}
    cast({{ expression }} as decimal(38, 0))
{%- endmacro %}
{% macro bigquery__token_decimal(expression) -%}
    cast({{ expression }} as {{ bq_numeric() }})
{%- endmacro %}

{#- USD from (tokens x USD per million tokens) summed: scale 9 x 1e-6 exactly, then back to money. -#}
{% macro usd_from_mtok_product(expression) %}{{ return(adapter.dispatch('usd_from_mtok_product', 'spanledger')(expression)) }}{% endmacro %}
{% macro duckdb__usd_from_mtok_product(expression) -%}
    cast(({{ expression }}) * cast(0.000001 as decimal(38, 6)) as decimal(38, 9))
{%- endmacro %}
{% macro bigquery__usd_from_mtok_product(expression) -%}
    cast(cast({{ expression }} as {{ bq_bignumeric() }}) / 1000000 as {{ bq_numeric() }})
{%- endmacro %}

{% macro safe_cast(expression, type) %}{{ return(adapter.dispatch('safe_cast', 'spanledger')(expression, type)) }}{% endmacro %}
{% macro duckdb__safe_cast(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}
{% macro bigquery__safe_cast(expression, type) -%}
    safe_cast({{ expression }} as {{ type }})
{%- endmacro %}

{#- Types spelled per warehouse. -#}
{% macro t_string() %}{{ return('string' if target.type == 'bigquery' else 'varchar') }}{% endmacro %}
{% macro t_float() %}{{ return('float64' if target.type == 'bigquery' else 'double') }}{% endmacro %}
{% macro t_int() %}{{ return('int64' if target.type == 'bigquery' else 'bigint') }}{% endmacro %}

{#- Stable hex key from a few columns (nulls kept distinct from empty strings). -#}
{% macro hash_key(columns) %}{{ return(adapter.dispatch('hash_key', 'spanledger')(columns)) }}{% endmacro %}
{% macro duckdb__hash_key(columns) -%}
    md5(concat_ws('|', {% for c in columns %}coalesce(cast({{ c }} as varchar), '\x00'){% if not loop.last %}, {% endif %}{% endfor %}))
{%- endmacro %}
{% macro bigquery__hash_key(columns) -%}
    to_hex(md5(concat({% for c in columns %}coalesce(cast({{ c }} as string), '\x00'){% if not loop.last %}, '|', {% endif %}{% endfor %})))
{%- endmacro %}

{#- Weight of one sampled record: sample_rate may be a probability (0..1] or "1 in N" (N > 1). -#}
{% macro sample_weight(column) -%}
    case
        when {{ column }} is null or {{ column }} <= 0 then 1.0
        when {{ column }} <= 1 then 1.0 / {{ column }}
        else {{ column }}
    end
{%- endmacro %}

{#- The money type by name, for safe casts of text that should hold an amount. -#}
{% macro t_money() %}{{ return(bq_numeric() if target.type == 'bigquery' else 'decimal(38, 9)') }}{% endmacro %}
