{#- Sampling probability an OpenTelemetry probability sampler wrote into the W3C tracestate: the
    `th` sub-key of the `ot` entry is the rejection threshold T, 1 to 14 hex digits of a 56-bit
    number (right-padded with zeros); spans are kept with probability 1 - T / 2^56 (th:0 keeps all,
    th:8 half, th:c a quarter). Null when the tracestate carries no threshold. -#}
{% macro tracestate_sample_probability(column) -%}
    {%- set threshold = tracestate_threshold_hex(column) -%}
    case when {{ threshold }} is not null then
        1.0 - cast(cast('0x' || rpad({{ threshold }}, 14, '0') as {{ t_int() }}) as {{ t_float() }})
            / 72057594037927936.0
    end
{%- endmacro %}

{% macro tracestate_threshold_hex(column) %}{{ return(adapter.dispatch('tracestate_threshold_hex', 'spanledger')(column)) }}{% endmacro %}
{% macro duckdb__tracestate_threshold_hex(column) -%}
    nullif(regexp_extract({{ column }}, '(?:^|,)\s*ot=(?:[^,;]*;)*th:([0-9a-f]{1,14})', 1), '')
{%- endmacro %}
{% macro bigquery__tracestate_threshold_hex(column) -%}
    regexp_extract({{ column }}, r'(?:^|,)\s*ot=(?:[^,;]*;)*th:([0-9a-f]{1,14})')
{%- endmacro %}
