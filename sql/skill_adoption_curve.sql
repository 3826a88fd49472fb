-- Adoption curve of each skill.
--
-- Answers: day by day since a skill was added (or first fired), how many activations it had, how many
--          people used it for the first time and how many have used it so far.
-- Parameters: none; add `where skill_name = '…'` to follow one skill.
-- Notes: people are HMAC-hashed ids; activations under the redacted name custom_skill are not counted.
with first_use as (
    select skill_name, user_hash, min(activation_date) as first_day
    from intermediate.int_skill_activations
    where not is_name_redacted
    group by skill_name, user_hash
),
daily as (
    select skill_name, activation_date as usage_date, sum(activations) as activations
    from developer_tools.fct_skill_usage_daily
    where not is_placeholder_name
    group by skill_name, activation_date
),
new_people as (
    select skill_name, first_day as usage_date, count(*) as new_people
    from first_use
    group by skill_name, first_day
),
so_far as (
    select daily.skill_name, daily.usage_date, count(first_use.user_hash) as people_so_far
    from daily
    left join first_use on daily.skill_name = first_use.skill_name and first_use.first_day <= daily.usage_date
    group by daily.skill_name, daily.usage_date
)
select
    daily.skill_name,
    daily.usage_date,
    skills.added_on,
    daily.activations,
    coalesce(new_people.new_people, 0) as new_people,
    so_far.people_so_far
from daily
left join new_people on daily.skill_name = new_people.skill_name and daily.usage_date = new_people.usage_date
left join so_far on daily.skill_name = so_far.skill_name and daily.usage_date = so_far.usage_date
left join developer_tools.dim_skills as skills on daily.skill_name = skills.skill_name
order by daily.skill_name, daily.usage_date
