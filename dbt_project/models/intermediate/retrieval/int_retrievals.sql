{{ config(**date_partitioned('retrieval_date')) }}

{#- One row per retriever span (OpenInference RETRIEVER / RERANKER, GenAI `retrieval` operations,
    custom `retrieval.*`): what it searched, how many documents came back and how well they scored.

    Documents: OpenInference lists them as retrieval.documents.<i>.document.id / .score (landing
    keeps ids and scores, drops the text); the first `retrieval_max_documents` are read. Without a
    list, a reported count (retrieval.documents.count, app.retrieval.returned, ...) says how many; a
    span that reports neither has an unknown count (null), never an empty retrieval. -#}

{%- set max_documents = var('retrieval_max_documents') %}
{%- set count_keys = ['retrieval.documents.count', 'retrieval.document_count', 'retrieval.returned',
                      'gen_ai.retrieval.documents.count', 'app.retrieval.returned', 'db.response.returned_rows'] %}
{%- set source_keys = ['gen_ai.data_source.id', 'retrieval.source', 'db.collection.name', 'db.namespace'] %}
{%- set top_score_keys = ['retrieval.top_score', 'app.retrieval.top_score'] %}

with

spans as (

    select * from {{ ref('int_spans_attributed') }}
    where span_type = 'retrieval' and {{ date_window('span_date') }}

),

attributes as (

    -- one attribute map per span (an exporter retry can deliver a span twice)
    select
        trace_id,
        span_id,
        min(span_attributes) as span_attributes
    from {{ ref('stg_otlp__spans') }}
    where {{ date_window('span_date') }}
    group by 1, 2

),

documents as (

    select
        trace_id,
        span_id,
        span_attributes,
    {%- for i in range(max_documents) %}
    {{ safe_cast(json_string('span_attributes', 'retrieval.documents.' ~ i ~ '.document.score'), t_float()) }}
        as score_{{ i }},
    {{ json_string('span_attributes', 'retrieval.documents.' ~ i ~ '.document.id') }} is not null
    or {{ json_string('span_attributes', 'retrieval.documents.' ~ i ~ '.document.score') }} is not null
        as is_listed_{{ i }}{% if not loop.last %},{% endif %}
    {%- endfor %}
    from attributes

),

measured as (

    select
        trace_id,
        span_id,
        coalesce(
            {% for key in source_keys %}{{ json_string('span_attributes', key) }}{% if not loop.last %},
            {% endif %}{% endfor %}
        )
            as data_source,
        coalesce(
            {% for key in count_keys -%}
            {{ safe_cast(json_string('span_attributes', key), t_int()) }}{% if not loop.last %},{% endif %}
            {% endfor %}
        ) as reported_document_count,
        {% for i in range(max_documents) %}(case when is_listed_{{ i }} then 1 else 0 end){% if not loop.last %}
        + {% endif %}{% endfor %}
            as listed_document_count,
        {% for i in range(max_documents) %}(
            case when score_{{ i }} is not null then 1 else 0 end
        ){% if not loop.last %}
        + {% endif %}{% endfor %}
            as scored_document_count,
        {% for i in range(max_documents) %}coalesce(score_{{ i }}, 0){% if not loop.last %}
        + {% endif %}{% endfor %}
            as score_sum,
        {%- set scores = [] %}{% for i in range(max_documents) %}{% do scores.append('score_' ~ i) %}{% endfor %}
        coalesce(
            {{ greatest_ignore_nulls(scores) }},
            {% for key in top_score_keys -%}
            {{ safe_cast(json_string('span_attributes', key), t_float()) }}{% if not loop.last %},{% endif %}
            {% endfor %}
        ) as top_score
    from documents

),

final as (

    select
        spans.trace_id || '-' || spans.span_id as retrieval_id,
        spans.trace_id,
        spans.span_id,
        spans.started_at,
        spans.tenant_id,
        spans.feature,
        spans.prompt_id as prompt_name,
        spans.prompt_version,
        spans.span_name,
        coalesce(measured.data_source, spans.span_name) as data_source,
        spans.duration_ms as latency_ms,
        spans.status_code = 'ERROR' as is_error,
        case
            when measured.listed_document_count > 0 then measured.listed_document_count
            else measured.reported_document_count
        end as documents_returned,
        measured.top_score,
        case when measured.scored_document_count > 0 then measured.score_sum / measured.scored_document_count end
            as mean_score,
        coalesce(
            case
                when measured.listed_document_count > 0 then measured.listed_document_count
                else measured.reported_document_count
            end = 0,
            false
        ) as is_empty,
        spans.span_date as retrieval_date
    from spans
    left join measured
        on spans.trace_id = measured.trace_id and spans.span_id = measured.span_id

)

select * from final
