{#- Claude Code's counters (claude_code.*), one row per exported data point, with what reading a
    counter needs: its temporality, its series (resource, scope and attributes) and the series' start
    time, which moves when the process restarts (a cumulative counter's reset). -#}
with

source as (

    select * from {{ source('otlp', 'metric_points') }}
    where metric_name like 'claude_code.%'

),

renamed as (

    select
        {{ hash_key([
            'source_file_id', 'source_offset', 'resource_attributes', 'scope_name',
            'metric_name', 'attributes', 'start_time_unix_nano', 'time_unix_nano'
        ]) }} as point_id,
        {{ hash_key(['resource_attributes', 'scope_name', 'metric_name', 'attributes']) }} as series_id,
        metric_name,
        metric_type,
        upper(aggregation_temporality) as aggregation_temporality,
        start_time_unix_nano as series_start_unix_nano,
        time_unix_nano as point_unix_nano,
        cast(point_at as timestamp) as point_at,
        cast(date as date) as point_date,
        coalesce(value_double, cast(value_int as {{ t_float() }})) as point_value,

        tenant_id,
        user_hash,
        session_hash,
        -- the lake's metric points have no team column: the point's attributes, then its resource's
        {{ team_from_attributes(['attributes', 'resource_attributes']) }} as team,
        model,
        {{ json_string('attributes', 'type') }} as point_type,
        {{ json_string('attributes', 'skill.name') }} as skill_name,
        {{ json_string('attributes', 'decision') }} as decision,
        {{ json_string('attributes', 'tool_name') }} as tool_name

    from source

)

select * from renamed
