"""Scan folders for Claude Code skills (`<skill>/SKILL.md`): what is installed, where from, who owns it.

A skill's name and description (and `when_to_use`) are listed in every session's context, so their
size is what an installed skill costs even when it never fires. Tokens are estimated as characters / 4
(Anthropic's rule of thumb for English text); no Claude tokenizer is published.

Source, as Claude Code loads skills: `plugin` (a folder below a `.claude-plugin/plugin.json` root),
`marketplace` (a plugin installed from a marketplace: below a `marketplaces/<name>/` folder), `user`
(below the user's `~/.claude/skills`), `project` (below a repository's `.claude/skills`, or any other
folder given). A SKILL.md whose front matter cannot be read is returned as a problem, never skipped.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pathspec
import yaml

SKIPPED_DIRS = frozenset({".git", "node_modules", ".venv", "__pycache__"})
CODEOWNERS_PLACES = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class Skill:
    skill_name: str  # as Claude Code reports it: `plugin:skill` for plugin skills
    folder_name: str
    description: str
    when_to_use: str
    source: str
    plugin_name: str | None
    marketplace_name: str | None
    owner: str | None
    owner_source: str | None  # front_matter | codeowners
    root_path: str
    relative_path: str
    context_chars: int
    file_sha256: str

    @property
    def context_tokens_estimated(self) -> int:
        return math.ceil(self.context_chars / CHARS_PER_TOKEN)

    @property
    def listing_sha256(self) -> str:
        """What the model sees of the skill: a change here is a change of the skill's trigger."""
        text = json.dumps([self.skill_name, self.description, self.when_to_use])
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    field: str
    reason: str
    excerpt: str


def skill_files(root: Path) -> Iterator[Path]:
    """Every SKILL.md below root (root itself may be a skill folder), in a stable order."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        if "SKILL.md" in files:
            yield Path(folder) / "SKILL.md"


def _front_matter(text: str) -> tuple[dict[str, Any], int] | Problem:
    """The YAML mapping between the leading `---` lines and the line the body starts on; {} without one."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, 1
    end = next((i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---"), None)
    if end is None:
        return Problem("", 1, "front_matter", "front matter opened with '---' is never closed", lines[0])
    block = "\n".join(lines[1:end])
    try:
        data = yaml.safe_load(block) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 2  # +1 for the opening '---', +1 one-based
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        return Problem("", line, "front_matter", f"invalid YAML: {problem}", lines[line - 1][:200])
    if not isinstance(data, dict):
        return Problem("", 2, "front_matter", "front matter is not a mapping of fields", lines[1][:200])
    return data, end + 2


def _text_field(meta: dict[str, Any], key: str, path: Path, text: str) -> str | Problem:
    value = meta.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        line = next((i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith(f"{key}:")), 2)
        return Problem(str(path), line, key, f"{key} must be text, found {type(value).__name__}", "")
    return str(value).strip()


def _first_paragraph(text: str, body_line: int) -> str:
    """Claude Code's fallback description: the body's first paragraph."""
    paragraph: list[str] = []
    for line in text.splitlines()[body_line - 1 :]:
        if line.strip() and not line.startswith("#"):
            paragraph.append(line.strip())
        elif paragraph:
            break
    return " ".join(paragraph)


def _plugin_root(skill_dir: Path, scan_root: Path) -> Path | None:
    for folder in (skill_dir, *skill_dir.parents):
        if (folder / ".claude-plugin" / "plugin.json").is_file():
            return folder
        if folder == scan_root:
            return None
    return None


def _plugin_name(plugin_root: Path) -> str:
    try:
        name = json.loads((plugin_root / ".claude-plugin" / "plugin.json").read_text()).get("name")
    except (OSError, ValueError, AttributeError):
        name = None
    return str(name) if name else plugin_root.name


def _marketplace(plugin_root: Path) -> str | None:
    parts = plugin_root.parts
    if "marketplaces" in parts:
        i = len(parts) - 1 - parts[::-1].index("marketplaces")
        return parts[i + 1] if i + 1 < len(parts) else None
    return None


def _source(skill_dir: Path, scan_root: Path, user_dir: Path | None) -> tuple[str, str | None, str | None]:
    plugin_root = _plugin_root(skill_dir, scan_root)
    if plugin_root is not None:
        marketplace = _marketplace(plugin_root)
        return ("marketplace" if marketplace else "plugin"), _plugin_name(plugin_root), marketplace
    if user_dir is not None and skill_dir.is_relative_to(user_dir):
        return "user", None, None
    return "project", None, None


def _codeowners_owner(skill_file: Path, scan_root: Path) -> str | None:
    """The owners of the last matching CODEOWNERS rule (GitHub's precedence) of the nearest repository."""
    for repo in (skill_file.parent, *skill_file.parents):
        for place in CODEOWNERS_PLACES:
            codeowners = repo / place
            if codeowners.is_file():
                return _match_codeowners(codeowners, skill_file.relative_to(repo).as_posix())
        if repo == scan_root or (repo / ".git").exists():
            return None
    return None


def _match_codeowners(codeowners: Path, relative: str) -> str | None:
    owner = None
    for line in codeowners.read_text(errors="replace").splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and pathspec.PathSpec.from_lines("gitwildmatch", [fields[0]]).match_file(
            relative
        ):
            owner = " ".join(fields[1:])
    return owner


def read_skill(path: Path, scan_root: Path, user_dir: Path | None) -> Skill | Problem:
    raw = path.read_bytes()
    text = raw.decode("utf-8", errors="replace")
    parsed = _front_matter(text)
    if isinstance(parsed, Problem):
        return Problem(str(path), parsed.line, parsed.field, parsed.reason, parsed.excerpt)
    meta, body_line = parsed
    fields = {key: _text_field(meta, key, path, text) for key in ("name", "description", "when_to_use")}
    for value in fields.values():
        if isinstance(value, Problem):
            return value
    name = str(fields["name"]) or path.parent.name
    description = str(fields["description"]) or _first_paragraph(text, body_line)
    when_to_use = str(fields["when_to_use"])
    source, plugin, marketplace = _source(path.parent, scan_root, user_dir)
    metadata = meta.get("metadata") if isinstance(meta.get("metadata"), dict) else {}
    declared_owner = meta.get("owner") or metadata.get("owner")
    owner = str(declared_owner) if declared_owner else _codeowners_owner(path, scan_root)
    return Skill(
        skill_name=f"{plugin}:{name}" if plugin else name,
        folder_name=path.parent.name,
        description=description,
        when_to_use=when_to_use,
        source=source,
        plugin_name=plugin,
        marketplace_name=marketplace,
        owner=owner,
        owner_source=("front_matter" if declared_owner else "codeowners") if owner else None,
        root_path=str(scan_root),
        relative_path=path.relative_to(scan_root).as_posix(),
        context_chars=len(name) + len(description) + len(when_to_use),
        file_sha256=hashlib.sha256(raw).hexdigest(),
    )


def scan(roots: list[Path], user_dir: Path | None = None) -> tuple[list[Skill], list[Problem]]:
    skills: list[Skill] = []
    problems: list[Problem] = []
    user = user_dir.resolve() if user_dir else None
    for root in roots:
        resolved = root.resolve()
        for path in skill_files(resolved):
            found = read_skill(path, resolved, user)
            (problems if isinstance(found, Problem) else skills).append(found)  # type: ignore[arg-type]
    return skills, problems
