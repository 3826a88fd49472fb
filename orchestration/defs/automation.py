"""Whether schedules and sensors start on: SPANLEDGER_AUTOMATION=on (a production deployment) starts
every one of them with the daemon; otherwise they start stopped and are turned on one by one in the UI
(Automation) or with `dagster schedule start NAME` / `dagster sensor start NAME`."""

from __future__ import annotations

import os

from dagster import DefaultScheduleStatus, DefaultSensorStatus

AUTOMATION_VARIABLE = "SPANLEDGER_AUTOMATION"


def automation_on() -> bool:
    value = os.environ.get(AUTOMATION_VARIABLE, "off").strip().lower()
    if value not in ("on", "off", "1", "0", "true", "false"):
        raise ValueError(f"{AUTOMATION_VARIABLE}={value!r}: write on or off")
    return value in ("on", "1", "true")


def schedule_status() -> DefaultScheduleStatus:
    return DefaultScheduleStatus.RUNNING if automation_on() else DefaultScheduleStatus.STOPPED


def sensor_status() -> DefaultSensorStatus:
    return DefaultSensorStatus.RUNNING if automation_on() else DefaultSensorStatus.STOPPED
