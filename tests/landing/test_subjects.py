"""The subject index finds exactly the files holding a person's rows; suppressed subjects never land."""

from __future__ import annotations

import json

from orchestration.lake.privacy import SubjectHasher
from orchestration.lake.subjects import SubjectIndex, subject_index_path
from orchestration.landing import land
from tests.landing.conftest import lake_rows
from tests.landing.test_bad_input import _request, _span


def _user_span(i: int, user: str, day_offset_ns: int = 0) -> dict:
    span = _span(
        i,
        attributes=[
            {"key": "user.id", "value": {"stringValue": user}},
            {"key": "tenant.id", "value": {"stringValue": "acme"}},
        ],
    )
    span["startTimeUnixNano"] = str(int(span["startTimeUnixNano"]) + day_offset_ns)
    return span


def test_subject_index_lists_exactly_the_files_with_the_subject(settings, inbox):
    day = 86_400 * 10**9
    (inbox / "a.json").write_text(json.dumps(_request(_user_span(1, "alice"), _user_span(3, "bob"))))
    (inbox / "b.json").write_text(
        json.dumps(_request(_user_span(5, "bob", day), _user_span(7, "bob", 2 * day)))
    )
    land(settings, settle_seconds=0)
    alice, bob = (SubjectHasher(settings.hmac_key)(u) for u in ("alice", "bob"))
    with SubjectIndex(subject_index_path(settings.state_dir)) as index:
        alice_files, bob_files = index.files_for([alice]), index.files_for([bob])
    assert len(alice_files) == 1 and len(bob_files) == 3  # bob: 3 event days → 3 span files
    for path, user in [(p, alice) for p in alice_files] + [(p, bob) for p in bob_files]:
        assert any(r == (user,) for r in lake_rows(settings, "spans", "user_hash")), path
    all_span_files = {str(p) for p in settings.lake_dir.glob("spans/date=2025*/*.parquet")}
    assert set(bob_files) <= all_span_files and set(alice_files) <= all_span_files


def test_suppressed_subjects_are_not_landed_again(settings, inbox):
    erased = SubjectHasher(settings.hmac_key)("mallory")
    with SubjectIndex(subject_index_path(settings.state_dir)) as index:
        index.suppress(erased, "req-1", "2026-01-01T00:00:00Z")
    (inbox / "late.json").write_text(json.dumps(_request(_user_span(1, "mallory"), _user_span(3, "carol"))))
    report = land(settings, settle_seconds=0)
    [outcome] = report.files
    assert (outcome.records_in, outcome.records_landed, outcome.records_suppressed) == (2, 1, 1)
    assert erased not in {h for (h,) in lake_rows(settings, "spans", "user_hash")}


def test_an_index_of_the_first_layout_is_migrated_in_place(tmp_path):
    import sqlite3

    path = tmp_path / "subjects.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        "create table subject_files (subject_hash text not null, path text not null, "
        "primary key (subject_hash, path)) without rowid;"
    )
    alice, bob = "a" * 64, "b" * 64
    old.executemany(
        "insert into subject_files values (?, ?)",
        [(alice, "/lake/spans/1.parquet"), (bob, "/lake/spans/1.parquet"), (bob, "/lake/logs/2.parquet")],
    )
    old.commit()
    old.close()
    with SubjectIndex(path) as index:
        assert index.files_for([bob]) == ["/lake/logs/2.parquet", "/lake/spans/1.parquet"]
        assert index.files_for([alice]) == ["/lake/spans/1.parquet"]
        index.forget_paths(["/lake/spans/1.parquet"])
        assert index.files_for([alice, bob]) == ["/lake/logs/2.parquet"]
    with SubjectIndex(path) as index:  # a second open finds nothing left to migrate
        assert index.db.execute(
            "select count(*) from sqlite_master where name = 'subject_files'"
        ).fetchone() == (0,)


def test_hashes_are_indexed_in_bulk_and_key_by_key_alike(tmp_path):
    """Lists of hex HMACs take one packed statement; a list with any other value goes key by key.
    Both must store the same keys, found by the same lookups."""
    import random

    from orchestration.lake.subjects import _key

    rng = random.Random(7)
    hmacs = [SubjectHasher(b"k")(f"user-{i}") for i in range(300)]
    odd = ["short", "not hex at all but long enough to reach thirty-two", "AB" * 32, ""]
    index_spec = {
        "/lake/a.parquet": hmacs[:200] + hmacs[:10],  # repeats collapse
        "/lake/b.parquet": hmacs[150:] + odd,  # key by key
        "/lake/c.parquet": [],
    }
    with SubjectIndex(tmp_path / "subjects.sqlite") as index:
        index.add(index_spec)
        stored = set(
            index.db.execute(
                "select s.subject, f.path from subject_file_ids s join lake_files f using (file_id)"
            )
        )
        expected = {(_key(h), path) for path, hashes in index_spec.items() for h in hashes}
        assert stored == expected and len(stored) == 200 + 150 + len(odd)
        for h in rng.sample(hmacs, 40) + odd:
            assert index.files_for([h]) == sorted(p for p, hashes in index_spec.items() if h in hashes)
        assert index.db.execute("select count(*) from lake_files").fetchone() == (3,)
