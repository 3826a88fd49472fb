"""The parameters a saved query declares in its header, and their values from `--var NAME=VALUE`.

A saved query names each parameter in its header, one per line below `-- Parameters:`:

    -- Parameters:
    --   $tenant text = null: the tenant id (null: every tenant)
    --   $from_date date = null: the first day (null: 29 days before the last day)
    --   $top_n integer = 20: how many rows

and uses it as a prepared-statement parameter (`$tenant`): the value is bound by DuckDB (BigQuery:
`@tenant`, a query parameter), typed, never spliced into the SQL text. Without `= default` a parameter
is required. An unknown or missing parameter, a value of the wrong type, or a `$name` the header does
not declare is an error that lists the query's parameters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

_BOOLEANS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def _boolean(text: str) -> bool:
    try:
        return _BOOLEANS[text.lower()]
    except KeyError:
        raise ValueError(text) from None


# type name → (parse a --var value, what the user is told, BigQuery's type)
TYPES: dict[str, tuple[Callable[[str], Any], str, str]] = {
    "text": (str, "text", "STRING"),
    "date": (date.fromisoformat, "a date (YYYY-MM-DD)", "DATE"),
    "timestamp": (datetime.fromisoformat, "a timestamp (YYYY-MM-DD HH:MM:SS)", "TIMESTAMP"),
    "integer": (int, "an integer", "INT64"),
    "number": (Decimal, "a number", "NUMERIC"),
    "boolean": (_boolean, "true or false", "BOOL"),
}
_DECLARATION = re.compile(
    r"^--\s+\$(?P<name>[A-Za-z_]\w*)\s+(?P<type>\w+)(?:\s*=\s*(?P<default>\S+))?\s*:\s*(?P<doc>.*)$"
)


class ParameterError(ValueError):
    """A --var the query does not take, a missing one, or a value of the wrong type."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str | None  # as written; "null" for SQL NULL; None when the parameter is required
    doc: str

    @property
    def required(self) -> bool:
        return self.default is None

    def describe(self) -> str:
        default = "required" if self.required else f"default {self.default}"
        return f"${self.name} ({self.type}, {default}): {self.doc}"

    def parse(self, text: str) -> Any:
        if text == "null":
            return None
        parse, expected, _ = TYPES[self.type]
        try:
            return parse(text)
        except (ValueError, InvalidOperation):
            raise ParameterError(f"--var {self.name}={text}: not {expected}") from None

    @property
    def bigquery_type(self) -> str:
        return TYPES[self.type][2]


def declared_parameters(sql: str, query_name: str = "the query") -> list[Parameter]:
    """The parameters declared in the leading comment lines of `sql`."""
    found = []
    for line in sql.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("--"):
            break  # the header ends at the first line of SQL
        match = _DECLARATION.match(stripped)
        if not match:
            continue
        if match["type"] not in TYPES:
            raise ParameterError(
                f"{query_name} declares ${match['name']} of type {match['type']}; types: {', '.join(TYPES)}"
            )
        found.append(Parameter(match["name"], match["type"], match["default"], match["doc"].strip()))
    return found


def _takes(parameters: list[Parameter], query_name: str) -> str:
    if not parameters:
        return f"{query_name} takes no parameters"
    return f"{query_name} takes: " + "; ".join(p.describe() for p in parameters)


def bind(
    parameters: list[Parameter], used: set[str], given: dict[str, str], query_name: str
) -> dict[str, Any]:
    """The typed values of the parameters the SQL uses: given ones, else defaults."""
    declared = {p.name: p for p in parameters}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise ParameterError(f"unknown parameter {', '.join(unknown)}: {_takes(parameters, query_name)}")
    undeclared = sorted(used - set(declared))
    if undeclared:
        raise ParameterError(
            f"{query_name} uses ${', $'.join(undeclared)} without declaring it in its header "
            "(`--   $name type = default: what it is`, below `-- Parameters:`)"
        )
    missing = sorted(p.name for p in parameters if p.required and p.name not in given)
    if missing:
        flags = " ".join(f"--var {name}=…" for name in missing)
        raise ParameterError(f"missing {flags}: {_takes(parameters, query_name)}")
    values = {}
    for name in sorted(used):
        parameter = declared[name]
        values[name] = parameter.parse(given.get(name, parameter.default or "null"))
    return values


def parse_var_options(items: tuple[str, ...]) -> dict[str, str]:
    given = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"--var {item}: write NAME=VALUE")
        given[name.strip()] = value
    return given
