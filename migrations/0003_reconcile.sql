-- What the periodic reconcile healed: one row per action (a day enqueued, a stuck run resumed,
-- a stalled job's run failed, a day recorded as a gap). /metrics counts them by action; the
-- rows of a run also bound how often the reconcile retries it.
create table reconcile_actions (
  id             bigserial primary key,
  at             timestamptz not null default now(),
  action         text not null,
  province_code  text not null,
  report_date    date not null,
  run_id         bigint not null references runs (id) on delete cascade,
  detail         text not null default ''
);
create index reconcile_actions_run_idx on reconcile_actions (run_id, action);
