{{ config(**date_partitioned('retrieval_date')) }}

{#- Retrieval quality per day x feature x prompt version x data source: how many documents come
    back, how well they score, how often nothing comes back, how long it takes, and the RAG
    evaluation scores (rag_eval_names; Ragas' answer_relevancy counts as answer_relevance) of the
    requests that retrieved. An evaluation counts for every group its request retrieved from. -#}

with

retrievals as (

    select * from {{ ref('int_retrievals') }}
    where {{ date_window('retrieval_date') }}

),

evaluations as (

    select * from {{ ref('int_evaluations') }}
    where evaluation_kind = 'evaluation' and trace_id is not null and eval_score is not null

),

keyed as (

    select
        retrievals.*,
        coalesce(retrievals.feature, '{{ var("unknown_label") }}') as feature_key,
        coalesce(retrievals.prompt_version, '{{ var("unknown_label") }}') as version_key,
        coalesce(retrievals.data_source, '{{ var("unknown_label") }}') as source_key
    from retrievals

),

rag_scores as (

    select
        trace_id,
        case lower(eval_name) when 'answer_relevancy' then 'answer_relevance' else lower(eval_name) end as rag_metric,
        eval_score
    from evaluations

),

grouped as (

    select
        retrieval_date,
        feature_key as feature,
        version_key as prompt_version,
        source_key as data_source,
        count(*) as retrieval_count,
        count(distinct trace_id) as request_count,
        {{ count_where('is_empty') }} as empty_retrieval_count,
        {{ count_where('documents_returned is null') }} as unknown_count_retrieval_count,
        {{ count_where('is_error') }} as error_count,
        -- exact sums: a float sum adds in any order, and a rerun must give the same marts
        {{ exact_avg('documents_returned') }} as documents_returned_mean,
        {{ exact_avg('top_score') }} as top_score_mean,
        {{ exact_avg('mean_score') }} as mean_score_mean,
        {{ percentile('latency_ms', 0.5) }} as latency_p50_ms,
        {{ percentile('latency_ms', 0.95) }} as latency_p95_ms
    from keyed
    group by 1, 2, 3, 4

),

group_rag as (

    select
        group_traces.retrieval_date,
        group_traces.feature_key,
        group_traces.version_key,
        group_traces.source_key,
        {%- for metric in var('rag_eval_names') %}
        {{ exact_avg(
            "case when rag_scores.rag_metric = '" ~ metric ~ "' then rag_scores.eval_score end"
        ) }} as {{ metric }}_mean,
        {{ count_where("rag_scores.rag_metric = '" ~ metric ~ "'") }} as {{ metric }}_count{% if not loop.last %},
        {% endif %}
        {%- endfor %}
    from (
        select distinct
            retrieval_date,
            feature_key,
            version_key,
            source_key,
            trace_id
        from keyed
    ) as group_traces
    inner join rag_scores
        on group_traces.trace_id = rag_scores.trace_id
    group by 1, 2, 3, 4

),

final as (

    select
        {{ hash_key(['grouped.retrieval_date', 'grouped.feature', 'grouped.prompt_version', 'grouped.data_source']) }}
            as retrieval_day_id,
        grouped.*,
        cast(grouped.empty_retrieval_count as {{ t_float() }})
        / nullif(grouped.retrieval_count - grouped.unknown_count_retrieval_count, 0) as empty_retrieval_rate,
        {%- for metric in var('rag_eval_names') %}
        group_rag.{{ metric }}_mean,
        coalesce(group_rag.{{ metric }}_count, 0) as {{ metric }}_count{% if not loop.last %},{% endif %}
        {%- endfor %}
    from grouped
    left join group_rag
        on grouped.retrieval_date = group_rag.retrieval_date
        and grouped.feature = group_rag.feature_key
        and grouped.prompt_version = group_rag.version_key
        and grouped.data_source = group_rag.source_key

)

select * from final
