"""A skill's owner as it may land: teams as written, people as a keyed hash.

Owners come from the front matter (`owner`, `metadata.owner`) or a CODEOWNERS rule, which lists teams
(`@org/team`), people (`@handle`) and email addresses. A team is not personal data; a person's handle or
email is a user id, so like every user id it is HMAC-hashed before it lands (the landing key): the
`owner` column says `(person)` in its place and `owner_user_hash` holds the first person's hash, which
is what GDPR erasure by user finds and blanks (orchestration/compliance/lakefiles.py). Free text that is
neither (a team's name) is kept as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

PERSON = "(person)"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_HANDLE = re.compile(r"@[A-Za-z0-9][A-Za-z0-9_.-]*")  # @user; @org/team has a slash


def is_person(token: str) -> bool:
    return bool(_EMAIL.fullmatch(token) or _HANDLE.fullmatch(token))


def pseudonymized(owner: str | None, hash_id: Callable[[str], str]) -> tuple[str | None, str | None]:
    """(owner with each person replaced by `(person)`, the keyed hash of the first person or None)."""
    if not owner:
        return owner, None
    people = [token for token in owner.split() if is_person(token)]
    if not people:
        return owner, None
    kept = " ".join(PERSON if is_person(token) else token for token in owner.split())
    return kept, hash_id(people[0])
