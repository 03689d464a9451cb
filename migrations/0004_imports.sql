-- History from before the tool existed: the office's own appendix tables imported as a
-- stored day (provenance "imported"). One import per (province, period, as-of date); its
-- scores carry import_id (and no run), so they show in history marked as imported and are
-- never compared with captured days for falls.
create table imports (
  id             bigserial primary key,
  province_id    uuid not null references units (id) on delete restrict,
  period_type    text not null check (period_type in ('year', 'quarter', 'month')),
  period_year    smallint not null,
  period_number  smallint not null check (period_number between 0 and 12),
  as_of          date not null,
  files          jsonb not null,        -- [{name, sha256, bytes}] in the order given
  unit_count     integer not null,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  unique (province_id, period_type, period_year, period_number, as_of)
);

alter table scores add column import_id bigint references imports (id) on delete cascade;
create index scores_import_idx on scores (import_id) where import_id is not null;
