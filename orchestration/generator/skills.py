"""Claude Code skills in the demo: a skills catalog on disk and the activations in sessions.

The catalog shows every status the skills marts know: skills used every day (active), one used
only on the first day (stale), two never used, a flapping skill whose shell command fails half the
time while the harness reports success (its command is rerun: misfiring), a third-party plugin's skill,
and activity of a skill not in the catalog (unknown). A third of developers run without
OTEL_LOG_TOOL_DETAILS: their activations carry the placeholder name `custom_skill`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .spans import MS, randint

# name, where it is installed, description, trigger weight (0 = never fired), behaviour
CATALOG = (
    (
        "deploy-check",
        "project",
        "Checks a service is ready to deploy: migrations, flags, changelog.",
        3,
        "ok",
    ),
    ("write-tests", "project", "Writes unit tests for the code being changed, in the repo's style.", 4, "ok"),
    (
        "release-notes",
        "user",
        "Drafts release notes from merged pull requests since the last tag.",
        2,
        "first_day",
    ),
    ("legacy-migrate", "project", "Migrates the v1 payment API calls to v2 (retired in 2025).", 0, "ok"),
    ("api-docs", "user", "Regenerates the OpenAPI reference and checks every example request.", 0, "ok"),
    (
        "flaky-e2e",
        "project",
        "Runs the end-to-end suite against a preview deployment and reports.",
        2,
        "flapping",
    ),
    ("acme-tools:lint-fix", "plugin", "Fixes lint findings with ACME's shared rule set.", 2, "ok"),
)
NOT_IN_CATALOG = ("ghost-skill", 1, "ok")  # fired, but its folder was deleted: status unknown
PLUGIN, MARKETPLACE = "acme-tools", "acme-marketplace"
TRIGGERS = (("claude-proactive", 0.55), ("user-slash", 0.4), ("nested-skill", 0.05))
E2E_COMMAND = "npm run test:e2e -- --preview"


def write_catalog(root: Path) -> list[Path]:
    """The demo's skill folders below root; returns the folders to scan (a repository, a user folder,
    a plugin folder)."""
    repo, user, plugins = root / "repo", root / "home" / ".claude", root / "home" / ".claude" / "plugins"
    plugin_root = plugins / "marketplaces" / MARKETPLACE / PLUGIN
    (plugin_root / ".claude-plugin").mkdir(parents=True, exist_ok=True)
    (plugin_root / ".claude-plugin" / "plugin.json").write_text(json.dumps({"name": PLUGIN}))
    (repo / ".github").mkdir(parents=True, exist_ok=True)
    (repo / ".github" / "CODEOWNERS").write_text("/.claude/skills/ @demo/platform-team\n")
    for name, where, description, _, _ in CATALOG:
        short = name.split(":")[-1]
        base = {
            "project": repo / ".claude" / "skills",
            "user": user / "skills",
            "plugin": plugin_root / "skills",
        }
        folder = base[where] / short
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "SKILL.md").write_text(
            f"---\nname: {short}\ndescription: {json.dumps(description)}\n---\n\n# {short}\n"
        )
    return [repo, user]


class SkillActivity:
    """Adds skill activations (and the tool work after them) to a Claude Code session's turns."""

    def __init__(self) -> None:
        self.first_day_end_ns: int | None = None
        self.stale_fired = False
        fired = [(n, w, b) for n, _, _, w, b in CATALOG if w] + [NOT_IN_CATALOG]
        self.names = [n for n, _, _ in fired]
        self.weights = [w for _, w, _ in fired]
        self.behaviour = {n: b for n, _, b in fired}

    def turn(
        self,
        rng: random.Random,
        event: Callable[[str, int, dict[str, Any]], None],
        cursor: int,
        details: bool,
    ) -> int:
        """Maybe one activation at cursor, with its tool calls; returns the new cursor.

        `rng` is the session's own, so the rest of the generated data does not change with skills."""
        if self.first_day_end_ns is None:
            self.first_day_end_ns = cursor - cursor % (24 * 3600 * 10**9) + 24 * 3600 * 10**9
        if rng.random() > 0.35:
            return cursor
        name = rng.choices(self.names, weights=self.weights)[0]
        if cursor < self.first_day_end_ns and not self.stale_fired:
            name, self.stale_fired = "release-notes", True  # once on the first day, never again: stale
        elif self.behaviour[name] == "first_day":
            return cursor
        behaviour = self.behaviour[name]
        trigger = rng.choices([t for t, _ in TRIGGERS], weights=[w for _, w in TRIGGERS])[0]
        plugin = name.split(":")[0] if ":" in name else None
        attrs: dict[str, Any] = {
            "skill.name": name if details else "custom_skill",
            "invocation_trigger": trigger,
            "skill.source": "plugin" if plugin else "projectSettings",
        }
        if plugin and details:
            attrs["plugin.name"] = plugin
        event("skill_activated", cursor, attrs)
        skill_call = {"tool_name": "Skill", "success": "true", "duration_ms": 3, "decision_type": "accept"}
        if details:
            skill_call["tool_parameters"] = json.dumps({"skill_name": name})
            skill_call["tool_input"] = json.dumps({"skill": name})
        cursor += 5 * MS
        event("tool_result", cursor, skill_call)
        commands = [E2E_COMMAND] if behaviour == "flapping" else [f"make {name.split(':')[-1]}"]
        if behaviour == "flapping" and rng.random() < 0.5:
            commands.append(E2E_COMMAND)  # exit 1, reported as success: the model reruns it
        for command in commands:
            duration = randint(rng, 500, 9000)
            cursor += duration * MS
            bash = {
                "tool_name": "Bash",
                "success": "true",
                "duration_ms": duration,
                "decision_type": "accept",
            }
            bash["decision_source"] = "config"
            parameters = {"bash_command": command.split()[0]}
            if details:  # the full command only with OTEL_LOG_TOOL_DETAILS=1
                parameters["full_command"] = command
                bash["tool_input"] = json.dumps({"command": command})
            bash["tool_parameters"] = json.dumps(parameters)
            event("tool_result", cursor, bash)
        return cursor
