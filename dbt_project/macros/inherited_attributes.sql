{#- Trace attributes that spans inherit from their nearest ancestor that has them (int_span_tree walks
    them down the tree; int_spans_attributed falls back to the trace's value). -#}
{% macro inherited_span_attributes() %}
    {{ return(['tenant_id', 'feature', 'team', 'user_hash', 'session_hash', 'conversation_id',
               'deployment_environment', 'prompt_id', 'prompt_version', 'sample_rate']) }}
{% endmacro %}
