{#- Compliance tests: helpers that look at every model and lake source of the project at run time.

    dbt's `graph` is empty while parsing, so a test cannot declare "after every model" dynamically:
    `compliance_after_every_model()` names the leaves of the DAG (every model is upstream of one of
    them). `assert_compliance_covers_every_model` warns when a model is not upstream of them. -#}

{% macro compliance_after_every_model() %}
-- depends_on: {{ ref('fct_chargeback_monthly') }}
-- depends_on: {{ ref('fct_chargeback_focus_monthly') }}
-- depends_on: {{ ref('fct_chargeback_breakdowns_monthly') }}
-- depends_on: {{ ref('fct_spend_month_to_date') }}
-- depends_on: {{ ref('fct_unpriced_usage') }}
-- depends_on: {{ ref('fct_tenant_latency_daily') }}
-- depends_on: {{ ref('fct_feature_latency_daily') }}
-- depends_on: {{ ref('fct_eval_candidates') }}
-- depends_on: {{ ref('stg_otlp__span_links') }}
-- depends_on: {{ ref('stg_otlp__span_events') }}
-- depends_on: {{ ref('stg_otlp__metric_points') }}
-- depends_on: {{ ref('fct_genai_spans_vs_metrics_hourly') }}
-- depends_on: {{ ref('fct_inference_engine_hourly') }}
-- depends_on: {{ ref('fct_self_hosted_costs_daily') }}
-- depends_on: {{ ref('int_metric_summary_points') }}
-- depends_on: {{ ref('dim_skills') }}
-- depends_on: {{ ref('fct_skill_usage_daily') }}
-- depends_on: {{ ref('fct_skill_context_cost_daily') }}
-- depends_on: {{ ref('fct_developer_tool_usage_daily') }}
-- depends_on: {{ ref('fct_claude_code_cost_reconciliation') }}
-- depends_on: {{ ref('fct_prompt_versions_daily') }}
-- depends_on: {{ ref('fct_prompt_version_evals_daily') }}
-- depends_on: {{ ref('fct_prompt_regressions') }}
-- depends_on: {{ ref('fct_retrieval_daily') }}
-- depends_on: {{ ref('fct_llm_errors_daily') }}
-- depends_on: {{ ref('fct_agents_daily') }}
-- depends_on: {{ ref('fct_streaming_daily') }}
{% endmacro %}

{#- "Today" for retention and due dates: the `compliance_today` var (a fake clock), else the date. -#}
{% macro compliance_today() -%}
    {%- if var('compliance_today', none) -%}{{ date_literal(var('compliance_today')) }}{%- else -%}current_date{%- endif -%}
{%- endmacro %}

{% macro compliance_now() -%}
    {%- if var('compliance_today', none) -%}cast({{ date_literal(var('compliance_today')) }} as timestamp){%- else -%}current_timestamp{%- endif -%}
{%- endmacro %}

{#- The compliance export (orchestration/compliance/ledger.py) as a relation. Before any compliance job
    has written it, dbt writes it from `empty_sql` (the same columns, no rows or the default policy),
    so that views over it see the job's later exports; without a state/ folder yet, `empty_sql` itself. -#}
{% macro compliance_export(table, empty_sql) -%}
    {%- set relation = source('compliance', table) -%}
    {%- if execute and target.type == 'duckdb' -%}
        {%- set state = env_var('SPANLEDGER_DATA_DIR', 'data') ~ '/state' -%}
        {%- set path = state ~ '/compliance-export-' ~ table ~ '.parquet' -%}
        {%- set found = run_query("select count(*) from glob('" ~ path | replace("'", "''") ~ "')").columns[0].values()[0] -%}
        {%- if found == 0 -%}
            {%- set has_state = run_query("select count(*) from glob('" ~ state | replace("'", "''") ~ "/*')").columns[0].values()[0] -%}
            {%- if has_state == 0 -%}{{ return(empty_sql) }}{%- endif -%}
            {%- do run_query("copy (" ~ empty_sql ~ ") to '" ~ path | replace("'", "''") ~ "' (format parquet)") -%}
        {%- endif -%}
    {%- endif -%}
    {{ return('select * from ' ~ relation) }}
{%- endmacro %}

{#- Column names (lowercase) of a relation given as SQL text. -#}
{% macro compliance_columns(relation_sql, relation=none) -%}
    {%- if target.type == 'duckdb' -%}
        {%- set described = run_query('describe select * from ' ~ relation_sql) -%}
        {{ return(described.columns[0].values() | map('lower') | list) }}
    {%- else -%}
        {{ return(adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list) }}
    {%- endif -%}
{%- endmacro %}

{#- Every built model (not the compliance models themselves) and every lake source, with its columns:
    [{'name', 'kind', 'sql', 'columns', 'meta', 'config'}]. Only at execution time. -#}
{% macro compliance_relations(include_sources=true) -%}
    {%- set out = [] -%}
    {%- if not execute -%}{{ return(out) }}{%- endif -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.package_name == project_name
              and node.config.materialized != 'ephemeral' and node.fqn[1:3] != ['staging', 'compliance'] -%}
            {%- set relation = adapter.get_relation(database=node.database, schema=node.schema,
                                                    identifier=node.alias or node.name) -%}
            {%- if relation is not none -%}
                {%- set meta = {} -%}
                {%- do meta.update(node.meta or {}) -%}
                {%- do meta.update(node.config.meta or {}) -%}
                {%- do out.append({'name': node.name, 'kind': 'model', 'sql': relation | string,
                                   'columns': compliance_columns(relation | string, relation),
                                   'meta': meta, 'config': node.config}) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if include_sources -%}
        {%- for src in graph.sources.values() -%}
            {%- if src.package_name == project_name and src.source_name != 'compliance' -%}
                {%- set meta = {} -%}
                {%- do meta.update(src.meta or {}) -%}
                {%- do meta.update(src.config.meta if src.config is defined and src.config.meta is defined and src.config.meta else {}) -%}
                {%- if target.type == 'duckdb' and meta.get('external_location') -%}
                    {#- dbt-duckdb fills in {name} the same way (str.format with the source's fields) -#}
                    {%- set sql = meta['external_location'] | replace('{name}', src.name) -%}
                    {%- set relation = none -%}
                {%- else -%}
                    {%- set relation = api.Relation.create(database=src.database, schema=src.schema, identifier=src.identifier) -%}
                    {%- set sql = relation | string -%}
                {%- endif -%}
                {#- a source that holds no one's data (meta holds_no_subjects, e.g. the skills catalog) is not checked -#}
                {%- if not meta.get('holds_no_subjects') -%}
                {%- do out.append({'name': src.source_name ~ '.' ~ src.name, 'kind': 'source', 'sql': sql,
                                   'columns': compliance_columns(sql, relation), 'meta': meta, 'config': {}}) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(out) }}
{%- endmacro %}

{#- The column that dates a model's rows (same rules as orchestration/compliance/catalog.py). -#}
{% macro compliance_date_column(item) -%}
    {%- set meta = item['meta'] -%}
    {%- if meta.get('retention_date_column') -%}{{ return(meta['retention_date_column']) }}{%- endif -%}
    {%- set key = item['config'].get('unique_key') if item['config'] else none -%}
    {%- if key is string and key | lower in item['columns'] -%}{{ return(key | lower) }}{%- endif -%}
    {%- set partition = item['config'].get('partition_by') if item['config'] else none -%}
    {%- if partition is mapping and partition.get('field') in item['columns'] -%}{{ return(partition['field']) }}{%- endif -%}
    {%- set dated = [] -%}
    {%- for column in item['columns'] if column.endswith('_date') -%}{%- do dated.append(column) -%}{%- endfor -%}
    {%- if dated | length == 1 -%}{{ return(dated[0]) }}{%- endif -%}
    {{ return(none) }}
{%- endmacro %}
