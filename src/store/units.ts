/**
 * The units table: the portal's departmentId is the key. Names are kept NFC with an
 * accent-folded search key; the code is kept once known (Shape-A rows have none); first and
 * last seen only widen, so re-ingesting an old day never moves them inward.
 */
import { type IsoDate, nfc, searchKey } from '../domain.js';
import type { UnitObservation } from '../source/types.js';
import type { Queryable } from './db.js';

/**
 * Upsert the units seen on a report date, in one statement. The name becomes the current
 * one only when this report date is not older than the last one seen. Identical input
 * changes no row (no update, `updated_at` untouched). Returns the rows inserted or changed.
 */
export async function upsertUnits(
  db: Queryable,
  units: readonly UnitObservation[],
  seenOn: IsoDate,
): Promise<number> {
  const byId = new Map<string, UnitObservation>();
  for (const u of units) if (!byId.has(u.id)) byId.set(u.id, u);
  if (byId.size === 0) return 0;
  const list = [...byId.values()];
  const res = await db.query(
    `insert into units (id, code, name, name_key, kind, province_id, first_seen, last_seen)
     select u.id, u.code, u.name, u.name_key, u.kind, u.province_id, $7::date, $7::date
     from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[])
       as u(id, code, name, name_key, kind, province_id)
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
      list.map((u) => nfc(u.name)),
      list.map((u) => searchKey(u.name)),
      list.map((u) => u.kind),
      list.map((u) => u.parentId),
      seenOn,
    ],
  );
  return res.rowCount ?? 0;
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
