{#- Metric semantics shared by the intermediate/metrics models (docs/metrics.md says why).

    Lists of a point (histogram buckets, summary quantiles) are exploded with a lateral join whose
    syntax differs per warehouse: `explode_indexes` gives one row per 0-based position of a list,
    `position_of` names that position in the select, and `list_at` reads the list there. -#}

{% macro explode_indexes(list_expression, index_alias) %}{{ return(adapter.dispatch('explode_indexes', 'spanledger')(list_expression, index_alias)) }}{% endmacro %}
{% macro duckdb__explode_indexes(list_expression, index_alias) -%}
    cross join unnest(range(coalesce(len({{ list_expression }}), 0))) as {{ index_alias }}_positions({{ index_alias }})
{%- endmacro %}
{% macro bigquery__explode_indexes(list_expression, index_alias) -%}
    cross join unnest(generate_array(0, array_length({{ list_expression }}) - 1)) as {{ index_alias }}
{%- endmacro %}

{% macro position_of(index_alias) %}{{ return(adapter.dispatch('position_of', 'spanledger')(index_alias)) }}{% endmacro %}
{% macro duckdb__position_of(index_alias) -%}{{ index_alias }}_positions.{{ index_alias }}{%- endmacro %}
{% macro bigquery__position_of(index_alias) -%}{{ index_alias }}{%- endmacro %}

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
    Exactly one bucket has the rank above the count before it and at most its running count. -#}
{% macro bucket_quantile(q) -%}
    min(case
        when cumulative_count - bucket_count < {{ q }} * total_count and cumulative_count >= {{ q }} * total_count then
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

{#- CTEs ending in `name`: quantiles per `group_columns` of the buckets in CTE `bucket_rows`
    (group columns, is_exponential, bucket_side, bucket_scale, bucket_index, bucket_lower,
    bucket_upper, bucket_count). Exponential buckets of a group are merged at its lowest scale;
    equal buckets add up; `quantiles` maps a column suffix to q, e.g. {'p95': 0.95}. -#}
{% macro bucket_quantile_ctes(name, bucket_rows, group_columns, quantiles) -%}
{%- set groups = group_columns | join(', ') -%}
{{ name }}_scaled as (

    select
        *,
        {{ downscaled_index('bucket_index', 'bucket_scale - merge_scale') }} as merged_index
    from (
        select
            *,
            min(case when is_exponential and bucket_side != 'zero' then bucket_scale end)
                over (partition by {{ groups }}) as merge_scale
        from {{ bucket_rows }}
    ) as with_merge_scale

),

{{ name }}_merged as (

    select
        {{ groups }},
        is_exponential,
        case
            when not is_exponential or bucket_side = 'zero' then bucket_lower
            when bucket_side = 'positive' then {{ exponential_bound('merged_index', 'merge_scale') }}
            else -{{ exponential_bound('merged_index + 1', 'merge_scale') }}
        end as bucket_lower,
        case
            when not is_exponential or bucket_side = 'zero' then bucket_upper
            when bucket_side = 'positive' then {{ exponential_bound('merged_index + 1', 'merge_scale') }}
            else -{{ exponential_bound('merged_index', 'merge_scale') }}
        end as bucket_upper,
        bucket_count
    from {{ name }}_scaled

),

{{ name }}_running as (

    select
        {{ groups }},
        is_exponential,
        bucket_lower,
        bucket_upper,
        bucket_count,
        {{ bucket_running_counts(group_columns) }}
    from (
        select
            {{ groups }},
            is_exponential,
            bucket_lower,
            bucket_upper,
            sum(bucket_count) as bucket_count
        from {{ name }}_merged
        group by {{ groups }}, is_exponential, bucket_lower, bucket_upper
    ) as summed

),

{{ name }} as (

    select
        {{ groups }},
        {% for suffix, q in quantiles.items() -%}
        {{ bucket_quantile(q) }} as {{ suffix }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from {{ name }}_running
    group by {{ groups }}

)
{%- endmacro %}

{#- Bucket rows of both histogram kinds for the measures of `signals` (seed metric_measures), with
    the columns bucket_quantile_ctes needs plus `key_columns` (expressions over the bucket rows). -#}
{% macro measure_bucket_rows(signals, key_columns) -%}
{%- set signal_list = "'" ~ (signals | join("', '")) ~ "'" -%}
    select
        {% for alias, expression in key_columns.items() %}{{ expression }} as {{ alias }},
        {% endfor -%}
        measures.measure,
        buckets.is_exponential,
        buckets.bucket_side,
        buckets.bucket_scale,
        buckets.bucket_index,
        buckets.bucket_lower * measures.value_scale as bucket_lower,
        buckets.bucket_upper * measures.value_scale as bucket_upper,
        buckets.bucket_count
    from (
        select
            metric_name, point_hour, point_date, point_attributes, model, service_name, service_instance_id,
            false as is_exponential, 'explicit' as bucket_side, 0 as bucket_scale, bucket_index,
            bucket_lower, bucket_upper, bucket_count
        from {{ ref('int_metric_explicit_buckets') }}
        where {{ date_window('point_date') }}
        union all
        select
            metric_name, point_hour, point_date, point_attributes, model, service_name, service_instance_id,
            true as is_exponential, bucket_side, bucket_scale, bucket_index,
            bucket_lower, bucket_upper, bucket_count
        from {{ ref('int_metric_exponential_buckets') }}
        where {{ date_window('point_date') }}
    ) as buckets
    inner join {{ ref('metric_measures') }} as measures
        on buckets.metric_name = measures.metric_name and measures.signal in ({{ signal_list }})
{%- endmacro %}

{#- The rows of CTE `points` with their series' previous point: previous start and end time and
    previous_<c> for each of `columns`, by end time within the series. -#}
{% macro sequenced_points(columns) -%}
    select
        *,
        {% for c in columns -%}
        lag({{ c }}) over series_order as previous_{{ c }},
        {% endfor -%}
        lag(start_time_unix_nano) over series_order as previous_start_time_unix_nano,
        lag(time_unix_nano) over series_order as previous_time_unix_nano
    from points
    window series_order as (partition by series_id order by time_unix_nano, point_id)
{%- endmacro %}

{#- Model of an inference engine's point: vLLM and SGLang label it model_name; TGI serves one model
    per service. -#}
{% macro engine_model(alias) -%}
    coalesce({{ alias }}.model, {{ json_string(alias ~ '.point_attributes', 'model_name') }}, {{ alias }}.service_name, '{{ var("unknown_label") }}')
{%- endmacro %}


{#- What a metric point is about, the same columns in every shape's model (alias: the relation's, or none). -#}
{% macro metric_point_dimensions(alias=none) -%}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    {%- for column in ['point_attributes', 'tenant_id', 'model', 'service_name', 'service_instance_id'] -%}
        {{ prefix }}{{ column }}{% if not loop.last %},
        {% endif %}
    {%- endfor -%}
{%- endmacro %}
