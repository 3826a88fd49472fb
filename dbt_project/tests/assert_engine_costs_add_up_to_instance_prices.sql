{#- Allocating an instance-hour's price to its models neither loses nor adds a cent: the allocated
    costs of every priced instance-hour add up to the instance type's hourly price. -#}
select
    metric_hour,
    service_instance_id,
    max(usd_per_hour) as usd_per_hour,
    sum(allocated_cost_usd) as allocated_usd
from {{ ref('int_engine_costs_hourly') }}
where usd_per_hour is not null
group by metric_hour, service_instance_id
having abs(sum(allocated_cost_usd) - max(usd_per_hour)) >= 0.01
