{#- The prompt regression report: each version (per label) that has a baseline, one row per metric,
    with the version's verdict and the metrics that triggered it, so a row read alone says whether
    its version regressed and why. The statistics are int_prompt_version_comparisons'. -#}

with

comparisons as (

    select * from {{ ref('int_prompt_version_comparisons') }}
    where baseline_kind is not null

),

final as (

    select
        *,
        max(case when is_regression then 1 else 0 end) over (
            partition by prompt_name, prompt_version, prompt_label
        ) = 1 as is_version_regressed
    from comparisons

)

select * from final
