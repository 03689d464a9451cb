/**
 * Contacts: the e-mail addresses told about a unit's own falls and recoveries (table
 * `contacts`, migration 0005). Addresses are stored lower-case, one row per (unit, address).
 */
import type { UnitKind } from '../domain.js';
import type { Queryable } from './db.js';

export interface ContactRow {
  readonly unitId: string;
  readonly unitCode: string | null;
  readonly unitName: string;
  readonly unitKind: UnitKind;
  readonly emails: readonly string[];
}

/** Make a unit's addresses exactly `emails`. Returns what was added and removed. */
export async function setContacts(
  db: Queryable,
  unitId: string,
  emails: readonly string[],
): Promise<{ added: string[]; removed: string[] }> {
  const list = [...new Set(emails.map((e) => e.toLowerCase()))];
  const removed = await db.query<{ email: string }>(
    'delete from contacts where unit_id = $1 and not (email = any($2)) returning email',
    [unitId, list],
  );
  const added = await addContacts(db, unitId, list);
  return { added, removed: removed.rows.map((r) => r.email).sort() };
}

/** Add addresses to a unit (those already there are left alone). Returns the new ones. */
export async function addContacts(
  db: Queryable,
  unitId: string,
  emails: readonly string[],
): Promise<string[]> {
  const r = await db.query<{ email: string }>(
    `insert into contacts (unit_id, email) select $1, e from unnest($2::text[]) e
     on conflict do nothing returning email`,
    [unitId, [...new Set(emails.map((e) => e.toLowerCase()))]],
  );
  return r.rows.map((x) => x.email).sort();
}

/** Remove some addresses of a unit, or all of them when `emails` is empty. Returns the removed. */
export async function unsetContacts(
  db: Queryable,
  unitId: string,
  emails: readonly string[],
): Promise<string[]> {
  const r = await db.query<{ email: string }>(
    `delete from contacts where unit_id = $1 and (cardinality($2::text[]) = 0 or email = any($2)) returning email`,
    [unitId, emails.map((e) => e.toLowerCase())],
  );
  return r.rows.map((x) => x.email).sort();
}

/** Every unit with contacts (or only the given ones), by province, kind and code. */
export async function listContacts(db: Queryable, unitIds?: readonly string[]): Promise<ContactRow[]> {
  const r = await db.query(
    `select c.unit_id, u.code, u.name, u.kind, array_agg(c.email order by c.email) as emails
       from contacts c join units u on u.id = c.unit_id
      where $1::uuid[] is null or c.unit_id = any($1)
      group by c.unit_id, u.id, u.code, u.name, u.kind, u.province_id
      order by coalesce(u.province_id, u.id), (u.kind = 'province') desc, u.kind, u.code nulls last, u.name`,
    [unitIds ?? null],
  );
  return r.rows.map((x) => ({
    unitId: x.unit_id,
    unitCode: x.code,
    unitName: x.name,
    unitKind: x.kind,
    emails: x.emails,
  }));
}
