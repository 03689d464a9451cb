/**
 * The units table: the portal's departmentId is the key. Names are kept NFC with an
 * accent-folded search key; the code is kept once known (Shape-A rows have none); first and
 * last seen only widen, so re-ingesting an old day never moves them inward. A name or code
 * the answers did not give (null) never replaces a stored one.
 */
import { type IsoDate, nfc, searchKey } from '../domain.js';
import type { UnitObservation } from '../source/types.js';
import type { Queryable } from './db.js';

export interface UpsertUnitsResult {
  /** Rows inserted or changed. */
  readonly changed: number;
  /**
   * Units seen for the first time without a usable name: not stored (a name is required and
   * no stand-in is invented), so nothing of theirs can be stored this time either.
   */
  readonly notStored: readonly string[];
}

/**
 * Upsert the units seen on a report date, in one statement. The name becomes the current
 * one only when this report date is not older than the last one seen and the answers gave
 * one. Identical input changes no row (no update, `updated_at` untouched).
 */
export async function upsertUnits(
  db: Queryable,
  units: readonly UnitObservation[],
  seenOn: IsoDate,
): Promise<UpsertUnitsResult> {
  const byId = new Map<string, UnitObservation>();
  for (const u of units) if (!byId.has(u.id)) byId.set(u.id, u);
  const unnamed = [...byId.values()].filter((u) => u.name === null).map((u) => u.id);
  const notStored: string[] = [];
  if (unnamed.length > 0) {
    const known = await db.query<{ id: string }>(
      'select id::text as id from units where id = any ($1::uuid[])',
      [unnamed],
    );
    const stored = new Set(known.rows.map((r) => r.id));
    for (const id of unnamed)
      if (!stored.has(id)) {
        notStored.push(id);
        byId.delete(id);
      }
    // A unit under a province that cannot be stored cannot be stored either (its key).
    for (const u of [...byId.values()])
      if (u.parentId !== null && notStored.includes(u.parentId)) {
        notStored.push(u.id);
        byId.delete(u.id);
      }
  }
  if (byId.size === 0) return { changed: 0, notStored };
  const list = [...byId.values()];
  const res = await db.query(
    // A unit without a usable name this time is already stored (checked above): its insert
    // tuple carries the stored name, so the update below changes nothing of the name.
    `insert into units (id, code, name, name_key, kind, province_id, first_seen, last_seen)
     select u.id, u.code, coalesce(u.name, e.name), coalesce(u.name_key, e.name_key), u.kind, u.province_id,
       $7::date, $7::date
     from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[])
       as u(id, code, name, name_key, kind, province_id)
       left join units e on e.id = u.id
     on conflict (id) do update set
       code = coalesce(excluded.code, units.code),
       name = case when excluded.last_seen >= units.last_seen then excluded.name else units.name end,
       name_key = case when excluded.last_seen >= units.last_seen then excluded.name_key else units.name_key end,
       kind = excluded.kind,
       province_id = excluded.province_id,
       first_seen = least(units.first_seen, excluded.first_seen),
       last_seen = greatest(units.last_seen, excluded.last_seen),
       updated_at = now()
     where units.code is distinct from coalesce(excluded.code, units.code)
        or (excluded.last_seen >= units.last_seen and units.name <> excluded.name)
        or units.kind <> excluded.kind
        or units.province_id is distinct from excluded.province_id
        or excluded.first_seen < units.first_seen
        or excluded.last_seen > units.last_seen`,
    [
      list.map((u) => u.id),
      list.map((u) => u.code),
      list.map((u) => (u.name === null ? null : nfc(u.name))),
      list.map((u) => (u.name === null ? null : searchKey(u.name))),
      list.map((u) => u.kind),
      list.map((u) => u.parentId),
      seenOn,
    ],
  );
  return { changed: res.rowCount ?? 0, notStored };
}

export interface UnitRow {
  readonly id: string;
  readonly code: string | null;
  readonly name: string;
  readonly kind: 'province' | 'agency' | 'commune';
  readonly provinceId: string | null;
  readonly firstSeen: IsoDate;
  readonly lastSeen: IsoDate;
}

/** The units of a province (the province itself first), by kind then name. */
export async function listProvinceUnits(db: Queryable, provinceId: string): Promise<UnitRow[]> {
  const res = await db.query<{
    id: string;
    code: string | null;
    name: string;
    kind: UnitRow['kind'];
    province_id: string | null;
    first_seen: string;
    last_seen: string;
  }>(
    `select id, code, name, kind, province_id, to_char(first_seen, 'YYYY-MM-DD') as first_seen,
       to_char(last_seen, 'YYYY-MM-DD') as last_seen
     from units where id = $1 or province_id = $1
     order by (kind = 'province') desc, kind, name`,
    [provinceId],
  );
  return res.rows.map((r) => ({
    id: r.id,
    code: r.code,
    name: r.name,
    kind: r.kind,
    provinceId: r.province_id,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
  }));
}
