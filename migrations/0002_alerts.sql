-- Alert episodes, the events that open/worsen/resolve them, and the e-mail outbox.
--
-- An episode is one fall of one unit in one group and one period (same max score): it opens
-- with the score before the fall as its baseline and resolves when the score is back at or
-- above it. Events are what a run found on its report date; their natural key makes a
-- second detect of the same run a no-op. The outbox holds every mail with an idempotency
-- key, so a retried notify never sends a mail twice.

create table alerts (
  id             bigserial primary key,
  province_code  text not null,
  unit_id        uuid not null references units (id) on delete cascade,
  grp            text not null check (grp in ('CKMB', 'TDGQ', 'CLGQ', 'TTTT', 'MDSH', 'MDHL')),
  period_type    text not null check (period_type in ('year', 'quarter', 'month')),
  period_year    smallint not null,
  period_number  smallint not null,
  max_score      numeric(6, 2) not null,
  status         text not null check (status in ('open', 'resolved')),
  -- why it ended: back at baseline, the formula changed (new max score), or its period ended
  resolution     text check (resolution in ('recovered', 'new-epoch', 'period-ended')),
  opened_on      date not null,
  baseline       numeric(6, 2) not null,   -- the score before the fall
  current        numeric(6, 2) not null,   -- the latest non-null score seen
  worst          numeric(6, 2) not null,
  last_seen_on   date not null,
  resolved_on    date,
  reasons        jsonb not null default '[]',  -- sub-metrics that moved at the latest fall
  updated_at     timestamptz not null default now(),
  unique (unit_id, grp, period_type, period_year, period_number, opened_on),
  check ((status = 'open') = (resolved_on is null)),
  check ((status = 'open') = (resolution is null))
);
create index alerts_status_idx on alerts (province_code, status, opened_on);

-- What detect found for one report date. `opened`, `worsened`, `recovered` and `closed`
-- belong to an episode; `band-down` (a unit's TOTAL fell into a lower classification band),
-- `province-fall` (the province's own TOTAL fell) and `new-epoch` (max score changed) are
-- flags without an episode.
create table alert_events (
  id             bigserial primary key,
  province_code  text not null,
  report_date    date not null,
  kind           text not null check (kind in ('opened', 'worsened', 'recovered', 'closed', 'band-down', 'province-fall', 'new-epoch')),
  alert_id       bigint references alerts (id) on delete cascade,
  unit_id        uuid not null references units (id) on delete cascade,
  grp            text not null,
  period_type    text not null,
  period_year    smallint not null,
  period_number  smallint not null,
  before         numeric(6, 2),            -- the compared (previous stored) score
  after          numeric(6, 2),
  compared_on    date,                     -- report date of the compared score
  gap_days       integer,                  -- days between compared_on and report_date
  detail         jsonb not null default '{}',
  unique (unit_id, grp, period_type, period_year, period_number, report_date, kind)
);
create index alert_events_date_idx on alert_events (province_code, report_date);

-- Which report dates detect has processed per province (the replay horizon).
create table alert_detections (
  province_code  text not null,
  report_date    date not null,
  run_id         bigint references runs (id) on delete set null,
  counts         jsonb not null default '{}',
  detected_at    timestamptz not null default now(),
  primary key (province_code, report_date)
);

create table outbox (
  id               bigserial primary key,
  idempotency_key  text not null unique,   -- digest-H18-2026-11-26, operator-blocked-H18-2026-11-26, …
  kind             text not null check (kind in ('digest', 'operator')),
  province_code    text,
  report_date      date,
  run_id           bigint references runs (id) on delete set null,
  recipients       text[] not null,
  subject          text not null,
  text_body        text not null,
  html_body        text not null,
  state            text not null default 'pending' check (state in ('pending', 'sending', 'sent', 'failed-permanent')),
  attempts         integer not null default 0,
  next_attempt_at  timestamptz not null default '-infinity',  -- due at once, whatever clock the caller uses
  lease_until      timestamptz,            -- a `sending` claim expires here (a crashed worker)
  last_error       text,
  rejected         text[] not null default '{}',  -- recipients refused with a 5xx
  sent_at          timestamptz,
  message_id       text not null,          -- our Message-ID header, derived from the key
  created_at       timestamptz not null default now()
);
create index outbox_due_idx on outbox (state, next_attempt_at);
