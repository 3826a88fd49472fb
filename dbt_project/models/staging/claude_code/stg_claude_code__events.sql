{#- Claude Code's OTLP log events (docs: code.claude.com/docs/en/monitoring-usage), one row each, with
    their event-specific attributes as columns. Claude Code names an event `claude_code.<name>`; some
    exporters keep only the bare `event.name` (`skill_activated`), so both spellings are read. Older
    releases sent a tool result's `decision` / `source`, newer ones `decision_type` / `decision_source`. -#}
with

source as (

    select * from {{ source('otlp', 'logs') }}
    where event_name like 'claude_code.%' or service_name = 'claude-code'

),

renamed as (

    select
        -- ids: the same key as stg_otlp__logs, so an api_request here is `log-<log_id>` in the LLM calls
        {{ hash_key(['source_file_id', 'source_offset', 'time_unix_nano', 'trace_id', 'span_id', 'event_name']) }}
            as log_id,
        {{ json_string('attributes', 'prompt.id') }} as prompt_id,
        {{ safe_cast(json_string('attributes', 'event.sequence'), t_int()) }} as event_sequence,

        -- what and when
        case
            when event_name like 'claude_code.%' then substr(event_name, length('claude_code.') + 1)
            else event_name
        end as event_kind,
        cast(log_at as timestamp) as logged_at,
        cast(date as date) as log_date,

        -- who (user and session ids are hashed at landing)
        tenant_id,
        user_hash,
        session_hash,
        -- landing's team column (record, then resource); rows landed before it knew `team.id` read it here
        coalesce(team, {{ team_from_attributes(['attributes', 'resource_attributes']) }}) as team,

        -- skill activations
        {{ json_string('attributes', 'skill.name') }} as skill_name,
        {{ json_string('attributes', 'invocation_trigger') }} as invocation_trigger,
        {{ json_string('attributes', 'skill.source') }} as skill_source,
        {{ json_string('attributes', 'plugin.name') }} as plugin_name,
        {{ json_string('attributes', 'marketplace.name') }} as marketplace_name,

        -- tools
        coalesce(tool_name, {{ json_string('attributes', 'tool_name') }}) as tool_name,
        {{ json_string('attributes', 'tool_use_id') }} as tool_use_id,
        -- a tool call's input (tool_input / tool_parameters) never lands: landing keeps the skill a Skill
        -- call names, a keyed hash of the shell command and its program (orchestration/lake/tool_details.py)
        {{ json_string('attributes', 'spanledger.tool.skill_name') }} as tool_skill_name,
        {{ json_string('attributes', 'spanledger.tool.command_hmac') }} as bash_command_hmac,
        {{ json_string('attributes', 'spanledger.tool.command_program') }} as bash_program,
        -- tool_input, and a Skill call's skill name, are exported only with OTEL_LOG_TOOL_DETAILS=1
        coalesce({{ json_string('attributes', 'spanledger.tool.has_input') }} = 'true', false)
        or {{ json_string('attributes', 'spanledger.tool.skill_name') }} is not null
            as has_tool_details,
        {{ json_string('attributes', 'success') }} = 'true' as is_harness_success,
        {{ safe_cast(json_string('attributes', 'duration_ms'), t_float()) }} as duration_ms,
        coalesce(error_type, {{ json_string('attributes', 'error_type') }}) as error_type,
        coalesce(
            {{ json_string('attributes', 'decision') }}, {{ json_string('attributes', 'decision_type') }}
        ) as decision,
        coalesce(
            {{ json_string('attributes', 'source') }}, {{ json_string('attributes', 'decision_source') }}
        ) as decision_source,

        -- prompts
        {{ json_string('attributes', 'command_name') }} as command_name,
        {{ json_string('attributes', 'command_source') }} as command_source,

        -- API requests and errors
        coalesce(request_model, {{ json_string('attributes', 'model') }}) as model,
        {{ money('reported_cost_usd') }} as reported_cost_usd,
        input_tokens,
        output_tokens,
        cache_read_tokens,
        cache_write_tokens,

        service_version,
        source_file_id

    from source

)

select * from renamed
