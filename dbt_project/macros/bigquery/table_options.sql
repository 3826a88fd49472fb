{#- BigQuery table options, as dbt-bigquery builds them, minus `partition_expiration_days` on a table
    that is not partitioned (BigQuery accepts the option only on partitioned tables). So the class's
    expiration can be set per folder in dbt_project.yml and reaches exactly the day-partitioned models.
    Overrides dbt-bigquery's global macro of the same name (the root project's wins); bigquery only. -#}
{% macro bigquery_table_options(config, node, temporary) -%}
    {%- set opts = adapter.get_table_options(config, node, temporary) -%}
    {%- if not config.get('partition_by') -%}
        {%- do opts.pop('partition_expiration_days', none) -%}
    {%- endif -%}
    {%- do return(bigquery_options(opts)) -%}
{%- endmacro %}
