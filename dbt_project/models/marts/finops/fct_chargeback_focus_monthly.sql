{#- The chargeback's FinOps FOCUS lines: one row per billing month x tenant x feature x team x provider x
    model x usage type x charge category (x adjusted month). Open months show their usage lines as the
    calls say now, plus Adjustment lines for what changed in earlier closed months since they were
    closed (late data, repricing); a closed month shows exactly what was booked
    (fct_chargeback_closed_lines). The report only renames the columns and formats the values. -#}

{%- set columns = chargeback_line_columns() %}

with

usage_lines as (

    select * from {{ ref('int_chargeback_usage_lines') }}

),

closed_lines as (

    select * from {{ ref('fct_chargeback_closed_lines') }}

),

{{ chargeback_pending_adjustments('usage_lines', 'closed_lines') }},

open_lines as (

    select
        {% for column in columns %}{{ column }}{% if not loop.last %},
        {% endif %}{% endfor %}
    from usage_lines
    where billing_month_start_date not in (select closed_months.month_start_date from closed_months)
    union all
    select * from adjustment_lines

),

final as (

    select
        {% for column in columns %}{{ column }},
        {% endfor -%}
        false as is_month_closed,
        cast(null as timestamp) as closed_at,
        cast(null as {{ t_string() }}) as closed_by
    from open_lines
    union all
    select
        {% for column in columns %}{{ column }},
        {% endfor -%}
        true as is_month_closed,
        closed_at,
        closed_by
    from closed_lines

)

select * from final
