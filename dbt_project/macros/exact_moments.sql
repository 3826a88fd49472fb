{#- Means and variances that a rerun reproduces to the last bit: floats summed in parallel add in any
    order, so their last digits change from run to run; exact decimal sums do not. -#}

{% macro exact_decimal(expression) -%}
    {%- if target.type == 'bigquery' -%}cast({{ expression }} as {{ bq_bignumeric() }}){%- else -%}cast({{ expression }} as decimal(38, 9)){%- endif -%}
{%- endmacro %}

{% macro exact_avg(expression) -%}
    cast(avg({{ exact_decimal(expression) }}) as {{ t_float() }})
{%- endmacro %}

{#- Sample variance from exact sums of x and x squared (null below two values). -#}
{% macro exact_var_samp(expression) -%}
    case when count({{ expression }}) > 1 then
        greatest(
            (
                cast(sum({{ exact_decimal(expression) }} * {{ exact_decimal(expression) }}) as {{ t_float() }})
                - cast(sum({{ exact_decimal(expression) }}) as {{ t_float() }})
                * cast(sum({{ exact_decimal(expression) }}) as {{ t_float() }})
                / count({{ expression }})
            ) / (count({{ expression }}) - 1),
            0
        )
    end
{%- endmacro %}

{% macro exact_stddev_samp(expression) -%}
    sqrt({{ exact_var_samp(expression) }})
{%- endmacro %}
