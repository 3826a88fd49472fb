{#- Metric semantics shared by the intermediate/metrics models (docs/metrics.md says why).

    Lists of a point (histogram buckets, summary quantiles) are exploded with a lateral join whose
    syntax differs per warehouse: `explode_indexes` gives one row per 0-based position of a list,
    `explode_elements` one row per element, and `list_at` reads a position. -#}

{% macro explode_indexes(list_expression, index_alias) %}{{ return(adapter.dispatch('explode_indexes', 'spanledger')(list_expression, index_alias)) }}{% endmacro %}
{% macro duckdb__explode_indexes(list_expression, index_alias) -%}
    cross join unnest(range(coalesce(len({{ list_expression }}), 0))) as {{ index_alias }}_table({{ index_alias }})
{%- endmacro %}
{% macro bigquery__explode_indexes(list_expression, index_alias) -%}
    cross join unnest(generate_array(0, array_length({{ list_expression }}) - 1)) as {{ index_alias }}
{%- endmacro %}

{% macro explode_elements(list_expression, element_alias) %}{{ return(adapter.dispatch('explode_elements', 'spanledger')(list_expression, element_alias)) }}{% endmacro %}
{% macro duckdb__explode_elements(list_expression, element_alias) -%}
    cross join unnest({{ list_expression }}) as {{ element_alias }}_table({{ element_alias }})
{%- endmacro %}
{% macro bigquery__explode_elements(list_expression, element_alias) -%}
    cross join unnest({{ list_expression }}) as {{ element_alias }}
{%- endmacro %}

{% macro list_at(list_expression, index_expression) %}{{ return(adapter.dispatch('list_at', 'spanledger')(list_expression, index_expression)) }}{% endmacro %}
{% macro duckdb__list_at(list_expression, index_expression) -%}
    {{ list_expression }}[{{ index_expression }} + 1]
{%- endmacro %}
{% macro bigquery__list_at(list_expression, index_expression) -%}
    {{ list_expression }}[safe_offset({{ index_expression }})]
{%- endmacro %}

{% macro list_length(list_expression) %}{{ return(adapter.dispatch('list_length', 'spanledger')(list_expression)) }}{% endmacro %}
{% macro duckdb__list_length(list_expression) -%}coalesce(len({{ list_expression }}), 0){%- endmacro %}
{% macro bigquery__list_length(list_expression) -%}coalesce(array_length({{ list_expression }}), 0){%- endmacro %}

{#- Lists compare equal (same explicit bounds on two points of a series). -#}
{% macro lists_equal(left, right) %}{{ return(adapter.dispatch('lists_equal', 'spanledger')(left, right)) }}{% endmacro %}
{% macro duckdb__lists_equal(left, right) -%}coalesce({{ left }} = {{ right }}, false){%- endmacro %}
{% macro bigquery__lists_equal(left, right) -%}coalesce(to_json_string({{ left }}) = to_json_string({{ right }}), false){%- endmacro %}

{% macro hour_start(timestamp_expression) %}{{ return(adapter.dispatch('hour_start', 'spanledger')(timestamp_expression)) }}{% endmacro %}
{% macro duckdb__hour_start(timestamp_expression) -%}date_trunc('hour', {{ timestamp_expression }}){%- endmacro %}
{% macro bigquery__hour_start(timestamp_expression) -%}timestamp_trunc({{ timestamp_expression }}, hour){%- endmacro %}

{#- Nanoseconds since the epoch at the start of a date (UTC). -#}
{% macro date_epoch_ns(date_expression) %}{{ return(adapter.dispatch('date_epoch_ns', 'spanledger')(date_expression)) }}{% endmacro %}
{% macro duckdb__date_epoch_ns(date_expression) -%}epoch_ns(cast({{ date_expression }} as timestamp)){%- endmacro %}
{% macro bigquery__date_epoch_ns(date_expression) -%}unix_micros(timestamp({{ date_expression }})) * 1000{%- endmacro %}

{#- How a point's value turns into an increase over its own interval (`delta_basis`):
      delta        the point is a delta already;
      difference   a cumulative point minus the previous point of the same run of the series;
      since_start  a cumulative point that starts a run (first point, or a restart seen as a new start
                   time or a value drop): its whole value accrued since its start time;
      no_baseline  the first point read of a run that began before the earliest date read: its value
                   includes increases an earlier day already counted, so it counts nothing.
    `sequenced` rows carry previous_* columns from lag() over the series ordered by time;
    `loaded_from_ns` is the start of the earliest date read. -#}
{% macro delta_basis(value_column, previous_value_column, loaded_from_ns, temporality='aggregation_temporality') -%}
    case
        when {{ temporality }} != 'CUMULATIVE' or {{ temporality }} is null then 'delta'
        when previous_time_unix_nano is null and start_time_unix_nano >= {{ loaded_from_ns }} then 'since_start'
        when previous_time_unix_nano is null then 'no_baseline'
        when start_time_unix_nano != previous_start_time_unix_nano then 'since_start'
        when {{ value_column }} < {{ previous_value_column }} then 'since_start'
        else 'difference'
    end
{%- endmacro %}

{#- Rows read by a cumulative model: its date window widened by metric_context_days before, so the
    first point of the window finds its predecessor. -#}
{% macro metric_points_read(metric_types) -%}
    select
        *,
        min(point_date) over () as first_date_read
    from {{ ref('stg_otlp__metric_points') }}
    where metric_type in ({% for t in metric_types %}'{{ t }}'{% if not loop.last %}, {% endif %}{% endfor %})
        and {{ date_window('point_date', var('metric_context_days')) }}
{%- endmacro %}

{#- Bounds of exponential bucket `index` at `scale`: (base^index, base^(index+1)], base = 2^(2^-scale). -#}
{% macro exponential_bound(index_expression, scale_expression) -%}
    pow(2.0, cast({{ index_expression }} as {{ t_float() }}) * pow(2.0, -cast({{ scale_expression }} as {{ t_float() }})))
{%- endmacro %}

{#- Bucket index at a coarser scale: each step down merges pairs of buckets (index >> steps). -#}
{% macro downscaled_index(index_expression, steps_expression) -%}
    cast(floor(cast({{ index_expression }} as {{ t_float() }}) / pow(2.0, {{ steps_expression }})) as {{ t_int() }})
{%- endmacro %}

{#- Quantile of merged buckets the way Prometheus' histogram_quantile does it: rank = q * total; the
    first bucket whose cumulative count reaches the rank holds it; interpolate linearly inside it
    (exponentially inside exponential buckets that do not straddle zero, as Prometheus does for
    native histograms); the lowest explicit bucket starts at 0 unless its bound is negative, and a
    rank in the +Inf bucket returns the highest finite bound.

    Aggregate over rows of (bucket_lower, bucket_upper, bucket_count, cumulative_count, total_count,
    is_exponential) where a null lower is -Inf and a null upper +Inf; buckets sorted by upper bound.
    Interpolated values rise with the bucket, so the smallest candidate is the first bucket's. -#}
{% macro bucket_quantile(q) -%}
    min(case
        when bucket_count > 0 and cumulative_count >= {{ q }} * total_count then
            case
                when bucket_upper is null then bucket_lower
                when bucket_lower is null and bucket_upper <= 0 then bucket_upper
                when is_exponential and bucket_lower > 0 or is_exponential and bucket_upper < 0 then
                    bucket_lower * pow(
                        bucket_upper / bucket_lower,
                        ({{ q }} * total_count - (cumulative_count - bucket_count)) / bucket_count
                    )
                else coalesce(bucket_lower, 0) + (bucket_upper - coalesce(bucket_lower, 0))
                    * ({{ q }} * total_count - (cumulative_count - bucket_count)) / bucket_count
            end
    end)
{%- endmacro %}

{#- Running and total bucket counts over `partition_columns`, bucket by bucket from the lowest. -#}
{% macro bucket_running_counts(partition_columns) -%}
    sum(bucket_count) over (
        partition by {{ partition_columns | join(', ') }}
        order by bucket_upper is null, bucket_upper, bucket_lower
        rows between unbounded preceding and current row
    ) as cumulative_count,
    sum(bucket_count) over (partition by {{ partition_columns | join(', ') }}) as total_count
{%- endmacro %}
