{#- Every skill, installed or seen: the catalog snapshots full-outer-joined with the activations, since a
    skill that never fired has no event. Status as of `skills_as_of_date` (default: the latest day of
    activity or catalog): unknown (activity, not in the catalog), never_used, stale (no activation in
    `skills_stale_days`), misfiring (enough activations, and too many without tool work after them, a
    high harness failure rate, or the same shell command rerun), active. The caveat columns say when a
    status rests on data the telemetry cannot give (docs/developer_tools.md). -#}
{%- set stale_days = var('skills_stale_days', 5) -%}
{%- set misfire_min = var('skills_misfire_min_activations', 3) -%}
with

snapshots as (

    select * from {{ ref('stg_skills__catalog_snapshots') }}

),

activations as (

    select * from {{ ref('int_skill_activations') }}

),

catalog_rows as (

    select
        *,
        lag(listing_sha256) over (partition by scan_id, skill_name order by snapshot_date) as previous_listing,
        row_number() over (partition by scan_id, skill_name, snapshot_date order by relative_path) as copy_number
    from snapshots

),

scan_dates as (

    select distinct
        scan_id,
        snapshot_date
    from snapshots

),

scan_latest as (

    select
        scan_id,
        max(snapshot_date) as latest_snapshot_date
    from scan_dates
    group by scan_id

),

skill_in_scan as (

    select
        catalog_rows.scan_id,
        catalog_rows.skill_name,
        min(catalog_rows.snapshot_date) as first_seen_on,
        max(catalog_rows.snapshot_date) as last_seen_on,
        max(case when catalog_rows.previous_listing <> catalog_rows.listing_sha256 then catalog_rows.snapshot_date end)
            as listing_changed_on,
        max(scan_latest.latest_snapshot_date) as latest_snapshot_date
    from catalog_rows
    inner join scan_latest on catalog_rows.scan_id = scan_latest.scan_id
    where catalog_rows.copy_number = 1
    group by catalog_rows.scan_id, catalog_rows.skill_name

),

removals as (

    select
        skill_in_scan.scan_id,
        skill_in_scan.skill_name,
        min(scan_dates.snapshot_date) as removed_on
    from skill_in_scan
    inner join scan_dates
        on skill_in_scan.scan_id = scan_dates.scan_id and skill_in_scan.last_seen_on < scan_dates.snapshot_date
    group by skill_in_scan.scan_id, skill_in_scan.skill_name

),

latest_listing as (

    select
        skill_name,
        skill_source,
        plugin_name,
        marketplace_name,
        owner,
        description,
        context_tokens_estimated,
        row_number()
            over (partition by skill_name order by snapshot_date desc, scan_id asc, relative_path asc)
            as recency
    from catalog_rows

),

catalog as (

    select
        skill_in_scan.skill_name,
        min(skill_in_scan.first_seen_on) as added_on,
        max(skill_in_scan.listing_changed_on) as listing_changed_on,
        max(case when skill_in_scan.last_seen_on = skill_in_scan.latest_snapshot_date then 1 else 0 end) = 1
            as is_installed,
        max(removals.removed_on) as removed_on
    from skill_in_scan
    left join removals
        on skill_in_scan.scan_id = removals.scan_id and skill_in_scan.skill_name = removals.skill_name
    group by skill_in_scan.skill_name

),

activity as (

    select
        skill_name,
        count(*) as activations,
        count(case when evidence = 'slash_command_only' then 1 end) as slash_only_activations,
        count(case when invocation_trigger = 'user-slash' then 1 end) as user_slash_activations,
        count(case when invocation_trigger = 'claude-proactive' then 1 end) as proactive_activations,
        count(case when invocation_trigger = 'nested-skill' then 1 end) as nested_activations,
        min(activated_at) as first_activated_at,
        max(activated_at) as last_activated_at,
        max(activation_date) as last_activation_date,
        count(distinct user_hash) as people,
        count(distinct session_hash) as sessions,
        count(case when is_without_tool_work then 1 end) as activations_without_tool_work,
        count(case when command_reruns > 0 then 1 end) as activations_with_command_reruns,
        sum(tool_calls) as tool_calls,
        sum(tool_harness_failures) as tool_harness_failures,
        sum(attributed_cost_usd) as attributed_cost_usd,
        sum(attributed_tokens) as attributed_tokens,
        max(case when is_name_redacted then 1 else 0 end) = 1 as is_placeholder_name
    from activations
    group by skill_name

),

fleet as (

    select
        count(case when is_name_redacted then 1 end) as redacted_activations,
        count(case when evidence = 'slash_command_only' then 1 end) as slash_only_activations,
        max(activation_date) as last_activation_date
    from activations

),

as_of as (

    select
        {% if var('skills_as_of_date', none) -%}
            {{ date_literal(var('skills_as_of_date')) }}
        {%- else -%}
        coalesce(
            greatest(fleet.last_activation_date, (select max(snapshots.snapshot_date) from snapshots)),
            fleet.last_activation_date,
            (select max(snapshots.snapshot_date) from snapshots)
        )
        {%- endif %} as as_of_date,
        fleet.redacted_activations,
        fleet.slash_only_activations as fleet_slash_only_activations
    from fleet

),

joined as (

    select
        coalesce(catalog.skill_name, activity.skill_name) as skill_name,
        catalog.skill_name is not null as is_in_catalog,
        coalesce(catalog.is_installed, false) as is_installed,
        catalog.added_on,
        catalog.removed_on,
        catalog.listing_changed_on,
        latest_listing.skill_source,
        latest_listing.plugin_name,
        latest_listing.marketplace_name,
        latest_listing.owner,
        latest_listing.description,
        latest_listing.context_tokens_estimated,
        coalesce(activity.activations, 0) as activations,
        coalesce(activity.user_slash_activations, 0) as user_slash_activations,
        coalesce(activity.proactive_activations, 0) as proactive_activations,
        coalesce(activity.nested_activations, 0) as nested_activations,
        coalesce(activity.slash_only_activations, 0) as slash_only_activations,
        activity.first_activated_at,
        activity.last_activated_at,
        {{ diff_days('activity.last_activation_date', 'as_of.as_of_date') }} as days_since_last_activation,
        coalesce(activity.people, 0) as people,
        coalesce(activity.sessions, 0) as sessions,
        coalesce(activity.tool_calls, 0) as tool_calls,
        coalesce(activity.tool_harness_failures, 0) as tool_harness_failures,
        case when activity.activations > 0
                then cast(activity.activations_without_tool_work as {{ t_float() }}) / activity.activations
        end
            as share_without_tool_work,
        case when activity.tool_calls > 0
                then cast(activity.tool_harness_failures as {{ t_float() }}) / activity.tool_calls
        end
            as harness_failure_rate,
        case when activity.activations > 0
                then cast(activity.activations_with_command_reruns as {{ t_float() }}) / activity.activations
        end
            as share_with_command_reruns,
        coalesce(activity.attributed_cost_usd, {{ money(0) }}) as attributed_cost_usd,
        coalesce(activity.attributed_tokens, 0) as attributed_tokens,
        coalesce(activity.is_placeholder_name, false) as is_placeholder_name,
        as_of.as_of_date,
        as_of.redacted_activations
    from catalog
    full outer join activity on catalog.skill_name = activity.skill_name
    left join latest_listing
        on coalesce(catalog.skill_name, activity.skill_name) = latest_listing.skill_name
        and latest_listing.recency = 1
    cross join as_of

),

statused as (

    select
        *,
        case
            when not is_in_catalog then 'unknown'
            when activations = 0 then 'never_used'
            when days_since_last_activation > {{ stale_days }} then 'stale'
            when activations >= {{ misfire_min }} and (
                    share_without_tool_work >= {{ var('skills_misfire_without_tool_work_share', 0.5) }}
                    or harness_failure_rate >= {{ var('skills_misfire_harness_failure_rate', 0.25) }}
                    or share_with_command_reruns >= {{ var('skills_misfire_command_rerun_share', 0.3) }}
                ) then 'misfiring'
            else 'active'
        end as status
    from joined

),

caveats as (

    select
        {{ hash_key(['skill_name']) }} as skill_key,
        *,
        -- a never-used or stale skill may have fired under the placeholder name
        status in ('never_used', 'stale') and redacted_activations > 0 as is_status_uncertain_redacted,
        -- its misfiring rests on reruns and harness failures: the command's own outcome is not exported
        status = 'misfiring' and coalesce(share_with_command_reruns, 0)
        >= {{ var('skills_misfire_command_rerun_share', 0.3) }} as is_status_inferred_from_reruns,
        slash_only_activations > 0 as has_slash_only_activations
    from statused

)

select * from caveats
