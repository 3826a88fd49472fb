{#- The team an attribute map names, with landing's keys in landing's order (attribute_keys.TEAM_KEYS;
    tests/skills/test_team_sources.py keeps the two lists equal). Claude Code users set `team.id` in
    OTEL_RESOURCE_ATTRIBUTES, so it may sit on the resource, or on a record when a collector copied it. -#}
{% macro team_keys() -%}
    {{ return(['app.team', 'team.name', 'team', 'team.id', 'ai.telemetry.metadata.team']) }}
{%- endmacro %}

{% macro team_from_attributes(columns) -%}
    coalesce(
        {%- for column in columns %}
            {%- for key in team_keys() %}
        {{ json_string(column, key) }}{% if not loop.last %},{% endif %}
            {%- endfor %}{% if not loop.last %},{% endif %}
        {%- endfor %}
    )
{%- endmacro %}
