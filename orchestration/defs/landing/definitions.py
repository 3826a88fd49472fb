from __future__ import annotations

from dagster import Definitions, ScheduleDefinition

from orchestration.defs.automation import schedule_status
from orchestration.defs.landing.assets import lake_landing, lake_table_specs
from orchestration.defs.landing.sensors import landing_job, new_otlp_files_sensor

# Files that arrive between sensor ticks or while the sensor is off are caught by the hourly sweep.
landing_schedule = ScheduleDefinition(
    name="landing_hourly",
    job=landing_job,
    cron_schedule="5 * * * *",
    execution_timezone="UTC",
    default_status=schedule_status(),
)

defs = Definitions(
    assets=[lake_landing, *lake_table_specs],
    jobs=[landing_job],
    sensors=[new_otlp_files_sensor],
    schedules=[landing_schedule],
)
