"""Lists the landing (Python) and the dbt models (vars) both read stay one list."""

from __future__ import annotations

import yaml

from orchestration.lake.attribute_keys import EVAL_LABEL_KEYS, EVAL_NAME_KEYS, EVAL_SCORE_KEYS
from orchestration.warehouse.dbt_runner import PROJECT_DIR


def test_evaluation_event_keys_are_the_landings_evaluation_keys() -> None:
    # span events are read in SQL (int_evaluations), spans and logs at landing: same keys, same order
    variables = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    assert variables["evaluation_name_keys"] == list(EVAL_NAME_KEYS)
    assert variables["evaluation_score_keys"] == list(EVAL_SCORE_KEYS)
    assert variables["evaluation_label_keys"] == list(EVAL_LABEL_KEYS)
