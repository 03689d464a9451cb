-- Who to tell about a unit's own falls and recoveries: e-mail addresses per unit, managed
-- with `dvc-index contacts`. A unit with contacts gets a short mail about itself (through the
-- outbox, kind 'unit') on each report date where one of its scores fell or recovered; the
-- weekly follow-up mail is kind 'weekly'.
create table contacts (
  unit_id     uuid not null references units (id) on delete cascade,
  email       text not null check (email = lower(email) and email like '%_@_%'),
  created_at  timestamptz not null default now(),
  primary key (unit_id, email)
);

alter table outbox drop constraint outbox_kind_check;
alter table outbox add constraint outbox_kind_check check (kind in ('digest', 'operator', 'unit', 'weekly'));
