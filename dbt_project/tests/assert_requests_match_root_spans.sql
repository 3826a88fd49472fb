-- One request per root span in the lake, and every LLM span belongs to a tree.
select 'requests vs root spans' as problem, count(*) as n
from {{ ref('int_spans_attributed') }} as spans
left join (
    select * from {{ ref('int_requests_summarized') }} where {{ test_date_window('request_date') }}
) as requests
    on spans.trace_id = requests.trace_id and spans.span_id = requests.root_span_id
where spans.is_root and {{ test_date_window('spans.span_date') }} and requests.request_id is null
having count(*) > 0
