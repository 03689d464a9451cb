-- Core history: units, runs, raw captures, scores and the sub-metrics behind them.
-- Scores are numeric(6,2) and nullable: a null is "the portal gave no value", never 0.

create table units (
  id            uuid primary key,                 -- the portal's departmentId
  code          text,                             -- H18, H18.01, H18.105 (Shape-A rows have none)
  name          text not null,                    -- current name, NFC
  name_key      text not null,                    -- accent- and case-folded name for search
  kind          text not null check (kind in ('province', 'agency', 'commune')),
  province_id   uuid references units (id) on delete restrict,  -- null for a province
  first_seen    date not null,
  last_seen     date not null,
  updated_at    timestamptz not null default now(),
  check ((kind = 'province') = (province_id is null))
);
create index units_province_idx on units (province_id, kind);
create index units_code_idx on units (code);

-- One run per (province, report date). Status moves queued → collecting → collected →
-- ingested → done; failed / blocked end it; gap marks a day nobody captured.
create table runs (
  id             bigserial primary key,
  province_code  text not null,
  report_date    date not null,
  trigger        text not null check (trigger in ('schedule', 'catchup', 'manual', 'demo', 'gap')),
  status         text not null check (status in ('queued', 'collecting', 'collected', 'ingested', 'detected', 'done', 'failed', 'blocked', 'gap')),
  periods        text[] not null default '{}',
  attempts       integer not null default 0,
  request_count  integer not null default 0,
  error_class    text,
  error_message  text,
  summary        jsonb,
  created_at     timestamptz not null default now(),
  started_at     timestamptz,
  collected_at   timestamptz,
  ingested_at    timestamptz,
  finished_at    timestamptz,
  unique (province_code, report_date)
);
create index runs_status_idx on runs (status, report_date);

-- Every API call of a run, the raw body kept so a parser fix can re-ingest without asking
-- the portal again. One row per (run, endpoint, period, page): a retried collect overwrites.
create table captures (
  id                bigserial primary key,
  run_id            bigint not null references runs (id) on delete cascade,
  endpoint          text not null,      -- service-results-national, service-results, transparency, …
  period_key        text not null,      -- 2026, 2026-Q3, 2026-M08
  page              integer not null default 1,
  url               text not null,
  request_body      jsonb not null,
  http_status       integer,
  content_type      text,
  body              bytea,
  sha256            text,
  duration_ms       integer,
  captured_at       timestamptz not null,
  error_class       text,
  error_message     text,
  source_unchanged  boolean not null default false,  -- same sha256 as the previous day's capture
  unique (run_id, endpoint, period_key, page)
);

create table scores (
  unit_id        uuid not null references units (id) on delete cascade,
  report_date    date not null,
  period_type    text not null check (period_type in ('year', 'quarter', 'month')),
  period_year    smallint not null,
  period_number  smallint not null check (period_number between 0 and 12),  -- 0 for a year
  grp            text not null check (grp in ('TOTAL', 'CKMB', 'TDGQ', 'CLGQ', 'TTTT', 'MDSH', 'MDHL')),
  score          numeric(6, 2),
  max_score      numeric(6, 2),
  rank           integer,            -- within its list (provinces among 34; agencies; communes)
  rank_of        integer,
  flags          text[] not null default '{}',   -- data-quality flags of the portal
  run_id         bigint references runs (id) on delete set null,
  primary key (unit_id, grp, period_type, period_year, period_number, report_date)
);
create index scores_date_idx on scores (report_date, period_type, period_year, period_number);

create table metrics (
  unit_id        uuid not null references units (id) on delete cascade,
  report_date    date not null,
  period_type    text not null,
  period_year    smallint not null,
  period_number  smallint not null,
  grp            text not null,
  code           text not null,
  name           text,
  numerator      numeric,
  denominator    numeric,
  ratio          numeric(9, 2),
  score          numeric(6, 2),
  max_score      numeric(6, 2),
  quality_status   text,
  quality_message  text,
  primary key (unit_id, grp, period_type, period_year, period_number, report_date, code)
);

-- The persisted circuit breaker: a 403/429/block page opens it, only an operator closes it.
create table circuit (
  host          text primary key,
  state         text not null check (state in ('open', 'closed')),
  opened_at     timestamptz,
  reason        text,
  support_id    text,
  closed_at     timestamptz,
  closed_by     text,
  close_reason  text
);
create table circuit_events (
  id          bigserial primary key,
  host        text not null,
  at          timestamptz not null default now(),
  action      text not null check (action in ('open', 'close')),
  reason      text not null,
  support_id  text
);
