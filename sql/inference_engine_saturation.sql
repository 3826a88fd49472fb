-- Inference engine saturation.
--
-- Answers: in which hours a self-hosted engine instance ran out of room (its waiting queue grew
--          while the KV cache stood near full), and what users felt: TTFT and end-to-end p95,
--          preemptions, throughput and the GPUs of its host.
-- Parameters: none; all history, the most recent hours first.
-- Notes: the threshold is the dbt var kv_cache_saturation_threshold (0.9); quantiles are merged from
--        the engine's histograms (docs/metrics.md).
select
    metric_hour,
    engine,
    service_instance_id,
    model,
    round(waiting_requests_p95, 1) as waiting_p95,
    round(waiting_requests_growth, 1) as waiting_growth,
    round(kv_cache_usage_p95, 3) as kv_cache_p95,
    preemption_count,
    round(ttft_p95_seconds, 3) as ttft_p95_s,
    round(e2e_p95_seconds, 2) as e2e_p95_s,
    round(generation_tokens_per_second, 1) as generation_tokens_per_s,
    round(gpu_utilization_avg, 2) as gpu_utilization
from metrics.fct_inference_engine_hourly
where is_saturated
order by metric_hour desc, service_instance_id
