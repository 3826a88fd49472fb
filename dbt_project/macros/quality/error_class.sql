{#- The class of a failed (or cut short) call or step, one vocabulary for every place errors are
    counted: cancelled, rate_limit, timeout, content_filter, parse_failure, tool_error, provider_5xx,
    other. Null when nothing went wrong. The first match wins: a 499 "cancelled" is a cancel, not a
    client error; a 504 is a timeout before it is a 5xx. -#}
{% macro error_class(is_error, http_status_code, error_type, finish_reason, is_tool) -%}
    case
        when lower({{ error_type }}) like '%cancel%' or lower({{ error_type }}) like '%abort%'
            or {{ http_status_code }} = 499
            then 'cancelled'
        when {{ http_status_code }} = 429 or lower({{ error_type }}) like '%rate%limit%'
            or lower({{ error_type }}) like '%quota%'
            then 'rate_limit'
        when {{ http_status_code }} in (408, 504) or lower({{ error_type }}) like '%timeout%'
            or lower({{ error_type }}) like '%timed%out%'
            then 'timeout'
        when {{ finish_reason }} = 'content_filter' or lower({{ error_type }}) like '%content%filter%'
            or lower({{ error_type }}) like '%safety%'
            then 'content_filter'
        when lower({{ error_type }}) like '%pars%' or lower({{ error_type }}) like '%json%'
            or lower({{ error_type }}) like '%validation%' or lower({{ error_type }}) like '%schema%'
            then 'parse_failure'
        when not {{ is_error }} then null
        when {{ is_tool }} then 'tool_error'
        when {{ http_status_code }} >= 500 then 'provider_5xx'
        else 'other'
    end
{%- endmacro %}
