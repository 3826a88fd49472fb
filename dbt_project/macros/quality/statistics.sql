{#- Statistics of the prompt regression comparison, written once so every use agrees.
    Proportions: Wilson score interval per side, Newcombe's hybrid interval for the difference, the
    pooled two-proportion z statistic. Means: Welch's t (unequal variances) with the
    Welch–Satterthwaite degrees of freedom. `z` is the two-sided normal quantile of the confidence
    level (1.959964 for 95%). Every expression is null when a side has no data. -#}

{#- Wilson score interval of k successes out of n: `side` is 'lower' or 'upper'. -#}
{% macro wilson_bound(k, n, z, side) -%}
    case when {{ n }} > 0 then
        (
            cast({{ k }} as {{ t_float() }}) / {{ n }} + {{ z }} * {{ z }} / (2.0 * {{ n }})
            {{ '-' if side == 'lower' else '+' }} {{ z }} * sqrt(
                (cast({{ k }} as {{ t_float() }}) / {{ n }}) * (1 - cast({{ k }} as {{ t_float() }}) / {{ n }}) / {{ n }}
                + {{ z }} * {{ z }} / (4.0 * {{ n }} * {{ n }})
            )
        ) / (1 + {{ z }} * {{ z }} / {{ n }})
    end
{%- endmacro %}

{#- Pooled two-proportion z statistic of p1 - p0 (0 when both sides are all or nothing). -#}
{% macro two_proportion_z(k1, n1, k0, n0) -%}
    case when {{ n1 }} > 0 and {{ n0 }} > 0 then
        case
            when ({{ k1 }} + {{ k0 }}) = 0 or ({{ k1 }} + {{ k0 }}) = ({{ n1 }} + {{ n0 }}) then 0.0
            else (cast({{ k1 }} as {{ t_float() }}) / {{ n1 }} - cast({{ k0 }} as {{ t_float() }}) / {{ n0 }}) / sqrt(
                (cast({{ k1 }} + {{ k0 }} as {{ t_float() }}) / ({{ n1 }} + {{ n0 }}))
                * (1 - cast({{ k1 }} + {{ k0 }} as {{ t_float() }}) / ({{ n1 }} + {{ n0 }}))
                * (1.0 / {{ n1 }} + 1.0 / {{ n0 }})
            )
        end
    end
{%- endmacro %}

{#- Standard error of mean1 - mean0 with unequal variances (Welch). -#}
{% macro welch_se(var1, n1, var0, n0) -%}
    sqrt({{ var1 }} / {{ n1 }} + {{ var0 }} / {{ n0 }})
{%- endmacro %}

{#- Welch–Satterthwaite degrees of freedom. -#}
{% macro welch_df(var1, n1, var0, n0) -%}
    case when {{ n1 }} > 1 and {{ n0 }} > 1 and ({{ var1 }} > 0 or {{ var0 }} > 0) then
        power({{ var1 }} / {{ n1 }} + {{ var0 }} / {{ n0 }}, 2) / (
            power({{ var1 }} / {{ n1 }}, 2) / ({{ n1 }} - 1) + power({{ var0 }} / {{ n0 }}, 2) / ({{ n0 }} - 1)
        )
    end
{%- endmacro %}

{#- Student t quantile from the normal one (Cornish–Fisher expansion, Abramowitz & Stegun 26.7.5):
    within 1e-3 of the exact quantile from 5 degrees of freedom on, which the minimum sample size
    guarantees. -#}
{% macro t_quantile(z, df) -%}
    (
        {{ z }}
        + (power({{ z }}, 3) + {{ z }}) / (4 * {{ df }})
        + (5 * power({{ z }}, 5) + 16 * power({{ z }}, 3) + 3 * {{ z }}) / (96 * power({{ df }}, 2))
        + (3 * power({{ z }}, 7) + 19 * power({{ z }}, 5) + 17 * power({{ z }}, 3) - 15 * {{ z }})
        / (384 * power({{ df }}, 3))
        + (79 * power({{ z }}, 9) + 776 * power({{ z }}, 7) + 1482 * power({{ z }}, 5) - 1920 * power({{ z }}, 3)
            - 945 * {{ z }}) / (92160 * power({{ df }}, 4))
    )
{%- endmacro %}
