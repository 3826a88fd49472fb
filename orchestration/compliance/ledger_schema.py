"""The compliance ledger's tables (SQLite): erasure requests and their steps, subjects and traces,
retention runs, restricted-content reads. Created if missing when the ledger opens."""

SCHEMA = """
create table if not exists erasure_requests (
    request_id text primary key,
    subject_hash text not null,        -- HMAC of the raw id, as at landing; the raw id is never stored
    tenant_id text,                    -- null: every tenant
    source text,                       -- cli | file:<name> | dagster
    requested_at text not null,
    due_at text not null,
    status text not null,              -- pending | running | done | failed
    started_at text,
    completed_at text,
    rows_removed_json text,            -- {"lake/spans": 12, "warehouse:intermediate.int_llm_calls_priced": 5, ...}
    files_rewritten integer,
    error text
);
create table if not exists erasure_subjects (
    request_id text not null,
    subject_hash text not null,
    kind text not null,                -- user | session (sessions found with the user's rows)
    primary key (request_id, subject_hash)
) without rowid;
create table if not exists erasure_traces (   -- work list: deleted when the request is done everywhere
    request_id text not null,
    trace_id text not null,
    primary key (request_id, trace_id)
) without rowid;
create table if not exists erasure_steps (
    request_id text not null,
    target text not null,              -- a file path or warehouse:<schema>.<table>
    rows_removed integer not null,
    state text not null,               -- planned (counted, about to remove) | done
    primary key (request_id, target)
) without rowid;
create table if not exists erased_usage (   -- what erased LLM calls had contributed to the cost marts
    request_id text not null,
    call_date text not null,
    tenant_id text,
    llm_call_count integer not null,
    total_tokens integer,
    cost_usd text,                     -- decimal as text: exact
    reported_cost_usd text,
    primary key (request_id, call_date, tenant_id)
);
create table if not exists retention_runs (
    run_id text primary key,
    as_of text not null,
    started_at text not null,
    completed_at text,
    dry_run integer not null,
    removed_json text                  -- [{"target": ..., "kind": partition|rows|file, "rows": n, "detail": ...}]
);
create table if not exists warehouse_erasures (  -- an external warehouse's part of a request (BigQuery)
    request_id text not null,
    warehouse text not null,           -- e.g. bigquery:<project>
    deleted_at text not null,          -- DML committed: no query returns the rows any more
    time_travel_hours integer not null,  -- deleted rows stay readable by time travel this long
    fail_safe_hours integer not null,  -- then recoverable by the provider only
    gone_at text not null,             -- deleted_at + time travel + fail-safe: the request's completed_at
    primary key (request_id, warehouse)
);
create table if not exists content_access (
    access_id text primary key,
    accessed_at text not null,
    os_user text,
    command text,
    trace_id text,
    subject_hash text,
    reason text,
    rows_returned integer
);
"""
