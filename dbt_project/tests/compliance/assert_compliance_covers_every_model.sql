{#- Warns when the compliance tests cannot see a model: not upstream of compliance_after_every_model()
    (they could run before it is rebuilt), no retention class, or no date column to judge its age. -#}
{#- A warning for a project extended in place; the project's own test suite makes it an error
    (scripts/test.sh), so a model added without retention coverage fails CI. -#}
{{ config(severity=env_var('SPANLEDGER_COMPLIANCE_COVERAGE_SEVERITY', 'warn'), tags=['compliance']) }}
{{ compliance_after_every_model() }}
{%- set problems = [] -%}
{%- if execute -%}
    {%- set seen = {} -%}
    {%- set walk = namespace(frontier=model.depends_on.nodes | list) -%}
    {%- for _ in range(50) -%}
        {%- set next_frontier = [] -%}
        {%- for unique_id in walk.frontier -%}
            {%- if unique_id not in seen and unique_id in graph.nodes -%}
                {%- do seen.update({unique_id: true}) -%}
                {%- do next_frontier.extend(graph.nodes[unique_id].depends_on.nodes) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set walk.frontier = next_frontier -%}
    {%- endfor -%}
    {%- set relations = {} -%}
    {%- for item in compliance_relations(include_sources=false) -%}
        {%- do relations.update({item['name']: item}) -%}
    {%- endfor -%}
    {%- for unique_id, node in graph.nodes.items() -%}
        {%- if node.resource_type == 'model' and node.package_name == project_name
              and node.fqn[1:3] != ['staging', 'compliance'] and node.config.materialized != 'ephemeral' -%}
            {%- if unique_id not in seen -%}
                {%- do problems.append((node.name, 'not upstream of compliance_after_every_model()')) -%}
            {%- endif -%}
            {%- set meta = {} -%}
            {%- do meta.update(node.meta or {}) -%}
            {%- do meta.update(node.config.meta or {}) -%}
            {%- if not meta.get('retention_class') -%}
                {%- do problems.append((node.name, 'no meta.retention_class')) -%}
            {%- elif meta.get('retention_class') != 'none' and node.name in relations
                     and not compliance_date_column(relations[node.name]) -%}
                {%- do problems.append((node.name, 'no date column: set meta.retention_date_column')) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

{% for name, problem in problems -%}
select '{{ name }}' as model_name, '{{ problem }}' as problem
union all
{% endfor -%}
select cast(null as {{ t_string() }}) as model_name, cast(null as {{ t_string() }}) as problem
from (select 1 as x) as nothing
where false
