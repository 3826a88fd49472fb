-- Retrieval (RAG) quality over the last 7 days.
--
-- Answers: per feature, prompt version and data source: how often retrieval comes back empty, how
--          many documents and how well they score, how long it takes, and the faithfulness of the
--          answers built on it.
-- Parameters: the 7 days ending on the latest day with retrievals.
-- Use: empty retrievals and low faithfulness are eval-candidate reasons (evals.fct_eval_candidates).
with

params as (
    select max(retrieval_date) as last_day from quality.fct_retrieval_daily
)

select
    feature,
    prompt_version,
    data_source,
    sum(retrieval_count) as retrievals,
    sum(empty_retrieval_count) as empty,
    round(sum(empty_retrieval_count) / nullif(sum(retrieval_count - unknown_count_retrieval_count), 0), 3)
        as empty_rate,
    round(sum(documents_returned_mean * (retrieval_count - unknown_count_retrieval_count))
        / nullif(sum(retrieval_count - unknown_count_retrieval_count), 0), 1) as documents_per_retrieval,
    round(avg(top_score_mean), 3) as top_score,
    round(max(latency_p95_ms)) as worst_daily_p95_ms,
    round(sum(faithfulness_mean * faithfulness_count) / nullif(sum(faithfulness_count), 0), 3) as faithfulness,
    sum(faithfulness_count) as faithfulness_evals
from quality.fct_retrieval_daily, params
where retrieval_date > params.last_day - 7
group by 1, 2, 3
order by empty_rate desc nulls last, feature, prompt_version, data_source
