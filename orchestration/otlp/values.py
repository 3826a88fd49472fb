"""Lenient decoding of OTLP/JSON scalar fields: ids, 64-bit integers, enums and AnyValue.

The OTLP/JSON spec says: lowerCamelCase keys, hex ids, 64-bit integers as strings or numbers, enums as
integers. Real producers also send snake_case keys, uppercase hex, base64 ids (protobuf's canonical JSON
mapping), enum names and empty ids; all of those are accepted here. What cannot be decoded raises
`FieldError`, which names the field so the record can be quarantined with a precise reason.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Iterator
from typing import Any


class FieldError(ValueError):
    """A field that cannot be decoded; the message says which and why."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def get(obj: dict[str, Any], camel: str, snake: str | None = None) -> Any:
    value = obj.get(camel)
    if value is None and snake is not None:
        value = obj.get(snake)
    return value


def decode_str(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise FieldError(field, f"expected a string, got {type(value).__name__}")
    return value


_HEX = frozenset("0123456789abcdefABCDEF")


def decode_id(value: Any, n_bytes: int, field: str, required: bool) -> str | None:
    """Hex id of `n_bytes`, from hex (any case) or base64; empty means absent."""
    if value is None or value == "":
        if required:
            return "0" * (
                2 * n_bytes
            )  # pdata writes "" for zero ids; keep the row, mark it invalid-but-present
        return None
    if not isinstance(value, str):
        raise FieldError(field, f"expected a hex string, got {type(value).__name__}")
    if len(value) == 2 * n_bytes and _HEX.issuperset(value):
        return value.lower()
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) == n_bytes:
        return raw.hex()
    raise FieldError(field, f"not a {n_bytes}-byte id in hex or base64: {value[:48]!r}")


def decode_int(value: Any, field: str, default: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise FieldError(field, "expected an integer, got a boolean")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        try:
            number = int(value)
        except ValueError:
            raise FieldError(field, f"expected an integer, got {value[:48]!r}") from None
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raise FieldError(field, f"expected an integer, got {type(value).__name__}")
    if not -(2**63) <= number < 2**64:
        raise FieldError(field, "integer out of 64-bit range")
    return number if number < 2**63 else number - 2**64  # fixed64 above int64: keep the bits


def decode_double(value: Any, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise FieldError(field, "expected a number, got a boolean")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)  # "NaN", "Infinity" and "-Infinity" are legal in proto JSON
        except ValueError:
            raise FieldError(field, f"expected a number, got {value[:48]!r}") from None
    raise FieldError(field, f"expected a number, got {type(value).__name__}")


def decode_enum(value: Any, names: dict[int, str], prefix: str, field: str) -> str:
    """Enum as its short name (e.g. SERVER) from an integer, a full name or a short name."""
    if value is None or value == "":
        return names[0]
    if isinstance(value, int) and not isinstance(value, bool):
        if value in names:
            return names[value]
        raise FieldError(field, f"unknown enum value {value}")
    if isinstance(value, str):
        short = value[len(prefix) :] if value.startswith(prefix) else value
        if short in names.values():
            return short
        if short.isdigit() and int(short) in names:
            return names[int(short)]
    raise FieldError(field, f"unknown enum value {str(value)[:48]!r}")


SPAN_KINDS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}
STATUS_CODES = {0: "UNSET", 1: "OK", 2: "ERROR"}
TEMPORALITIES = {0: "UNSPECIFIED", 1: "DELTA", 2: "CUMULATIVE"}
SEVERITY_NAMES = {
    0: "UNSPECIFIED",
    1: "TRACE",
    2: "TRACE2",
    3: "TRACE3",
    4: "TRACE4",
    5: "DEBUG",
    6: "DEBUG2",
    7: "DEBUG3",
    8: "DEBUG4",
    9: "INFO",
    10: "INFO2",
    11: "INFO3",
    12: "INFO4",
    13: "WARN",
    14: "WARN2",
    15: "WARN3",
    16: "WARN4",
    17: "ERROR",
    18: "ERROR2",
    19: "ERROR3",
    20: "ERROR4",
    21: "FATAL",
    22: "FATAL2",
    23: "FATAL3",
    24: "FATAL4",
}
SEVERITY_NUMBERS = {name: number for number, name in SEVERITY_NAMES.items()}


def decode_severity(value: Any, field: str = "severityNumber") -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 24:
        return value
    if isinstance(value, str):
        short = value.removeprefix("SEVERITY_NUMBER_")
        if short in SEVERITY_NUMBERS:
            return SEVERITY_NUMBERS[short]
        if short.isdigit() and 0 <= int(short) <= 24:
            return int(short)
    raise FieldError(field, f"unknown severity {str(value)[:48]!r}")


def decode_any_value(value: Any, field: str, depth: int = 0) -> Any:
    """AnyValue → plain Python: str, bool, int, float, list, dict; bytes stay base64 text."""
    if not isinstance(value, dict):
        if value is None:
            return None
        raise FieldError(field, f"expected an AnyValue object, got {type(value).__name__}")
    if depth > 32:
        raise FieldError(field, "AnyValue nested deeper than 32 levels")
    for key, inner in value.items():
        if key in ("stringValue", "string_value"):
            if not isinstance(inner, str):
                raise FieldError(field, "stringValue is not a string")
            return inner
        if key in ("intValue", "int_value"):
            return decode_int(inner, field)
        if key in ("boolValue", "bool_value"):
            if not isinstance(inner, bool):
                raise FieldError(field, "boolValue is not a boolean")
            return inner
        if key in ("doubleValue", "double_value"):
            number = decode_double(inner, field)
            return number if number is None or math.isfinite(number) else str(number)
        if key in ("bytesValue", "bytes_value"):
            return inner
        if key in ("arrayValue", "array_value"):
            items = (inner or {}).get("values") or []
            return [decode_any_value(item, field, depth + 1) for item in items]
        if key in ("kvlistValue", "kvlist_value"):
            return decode_attributes((inner or {}).get("values") or [], field, depth + 1)
    return None  # an empty AnyValue is legal and means "no value"


def decode_attributes(items: Any, field: str = "attributes", depth: int = 0) -> dict[str, Any]:
    return dict(decode_attribute_pairs(items, field, depth))  # a repeated key: the last one wins


def decode_attribute_pairs(
    items: Any, field: str = "attributes", depth: int = 0
) -> Iterator[tuple[str, Any]]:
    """(key, decoded value) of an OTLP attribute list, in order."""
    if not items:
        return
    if not isinstance(items, list):
        raise FieldError(field, f"expected a list of key/value pairs, got {type(items).__name__}")
    for item in items:
        if type(item) is not dict:
            raise FieldError(field, "attribute is not an object")
        key = item.get("key")
        if type(key) is not str:
            raise FieldError(field, "attribute without a string key")
        value = item.get("value")
        # Fast path for the most common kind, a string (`AttributeFilter.read` inlines the same test).
        if type(value) is dict and len(value) == 1 and type(inner := value.get("stringValue")) is str:
            yield key, inner
        else:
            yield key, decode_attribute_value(value, field, key, depth)


def decode_attribute_value(value: Any, field: str, key: str, depth: int = 0) -> Any:
    """One attribute's AnyValue: integer and boolean scalars quickly, anything else via the general
    decoder. With a single entry, a successful get() names the kind (cheaper than unpacking items())."""
    if type(value) is dict and len(value) == 1:
        inner = value.get("stringValue")
        if type(inner) is str:
            return inner
        inner = value.get("intValue")
        if type(inner) is str and inner.isdigit() and len(inner) < 19:
            return int(inner)
        inner = value.get("boolValue")
        if type(inner) is bool:
            return inner
    return decode_any_value(value, f"{field}[{key}]", depth)
