/**
 * Read side of the `units` table: listing with filters and accent-insensitive search, and
 * resolving what a person types (a departmentId, a code, part of a name) to one unit.
 */
import { searchKey, type UnitKind } from '../domain.js';
import { InputError } from '../errors.js';
import type { Queryable } from '../store/db.js';

export interface UnitRow {
  readonly id: string;
  readonly code: string | null;
  readonly name: string;
  readonly kind: UnitKind;
  readonly provinceId: string | null;
  readonly provinceCode: string | null;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

export interface UnitFilter {
  /** A province's code (H18) or departmentId: the province and every unit under it. */
  readonly province?: string;
  readonly kind?: UnitKind;
  /** Part of the name or code; accents and case do not matter ("so y te" finds "Sở Y tế"). */
  readonly q?: string;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

const UNIT_COLUMNS = `u.id, u.code, u.name, u.kind, u.province_id, p.code as province_code,
  to_char(u.first_seen, 'YYYY-MM-DD') as first_seen, to_char(u.last_seen, 'YYYY-MM-DD') as last_seen`;

interface DbUnit {
  id: string;
  code: string | null;
  name: string;
  kind: UnitKind;
  province_id: string | null;
  province_code: string | null;
  first_seen: string;
  last_seen: string;
}

function toUnitRow(r: DbUnit): UnitRow {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    kind: r.kind,
    provinceId: r.province_id,
    provinceCode: r.kind === 'province' ? r.code : r.province_code,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
  };
}

/** Escape LIKE metacharacters so a user's `%` or `_` matches literally. */
function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const KIND_ORDER = `case u.kind when 'province' then 0 when 'agency' then 1 else 2 end`;

/**
 * Units in a stable order (province, agencies, communes; then code and name). Throws
 * InputError('province') when the province is unknown, so a typo is not an empty list.
 */
export async function listUnits(db: Queryable, filter: UnitFilter = {}): Promise<UnitRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.province !== undefined) {
    const province = await resolveProvince(db, filter.province, 'province');
    params.push(province.id);
    where.push(`(u.id = $${params.length} or u.province_id = $${params.length})`);
  }
  if (filter.kind !== undefined) {
    params.push(filter.kind);
    where.push(`u.kind = $${params.length}`);
  }
  if (filter.q !== undefined && filter.q.trim() !== '') {
    params.push(likeContains(searchKey(filter.q)));
    const a = params.length;
    params.push(likeContains(filter.q.trim()));
    where.push(`(u.name_key like $${a} or u.code ilike $${params.length})`);
  }
  const res = await db.query<DbUnit>(
    `select ${UNIT_COLUMNS}
       from units u left join units p on p.id = u.province_id
      ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
      order by coalesce(p.code, u.code), ${KIND_ORDER}, u.code nulls last, u.name_key, u.id`,
    params,
  );
  return res.rows.map(toUnitRow);
}

export async function getUnit(db: Queryable, id: string): Promise<UnitRow | null> {
  if (!isUuid(id)) return null;
  const res = await db.query<DbUnit>(
    `select ${UNIT_COLUMNS} from units u left join units p on p.id = u.province_id where u.id = $1`,
    [id],
  );
  return res.rows[0] ? toUnitRow(res.rows[0]) : null;
}

/** How a candidate is listed when a name is ambiguous: code, name, kind and id. */
export function describeUnit(u: UnitRow): string {
  return `${u.code ?? '(no code)'}  ${u.name}  [${u.kind}, ${u.id}]`;
}

/**
 * Resolve what a person typed to exactly one unit: a departmentId, a code (H18.01), or part
 * of the name, accent- and case-insensitively. An exact name beats a partial one. No match
 * or several matches throw InputError on `field` (several: the candidates are listed).
 */
export async function resolveUnit(db: Queryable, ref: string, field = '--unit'): Promise<UnitRow> {
  const text = ref.trim();
  if (text === '')
    throw new InputError(field, 'is empty; give a departmentId, a code (H18.01) or part of a name');
  if (isUuid(text)) {
    const unit = await getUnit(db, text.toLowerCase());
    if (!unit)
      throw new InputError(field, `no unit has departmentId ${text}; list them with \`dvc-index units\``);
    return unit;
  }
  const byCode = await db.query<DbUnit>(
    `select ${UNIT_COLUMNS} from units u left join units p on p.id = u.province_id
      where upper(u.code) = upper($1)`,
    [text],
  );
  if (byCode.rows.length === 1) return toUnitRow(byCode.rows[0]!);
  const key = searchKey(text);
  const byName = await db.query<DbUnit & { exact: boolean }>(
    `select ${UNIT_COLUMNS}, u.name_key = $1 as exact
       from units u left join units p on p.id = u.province_id
      where u.name_key like $2
      order by coalesce(p.code, u.code), ${KIND_ORDER}, u.code nulls last, u.name_key
      limit 51`,
    [key, likeContains(key)],
  );
  const exact = byName.rows.filter((r) => r.exact);
  if (exact.length === 1) return toUnitRow(exact[0]!);
  if (byName.rows.length === 1) return toUnitRow(byName.rows[0]!);
  if (byName.rows.length === 0) {
    throw new InputError(
      field,
      `no unit matches "${text}" (by departmentId, code or name); list them with \`dvc-index units\``,
    );
  }
  const candidates = byName.rows.slice(0, 50).map((r) => describeUnit(toUnitRow(r)));
  throw new InputError(
    field,
    `"${text}" matches ${byName.rows.length > 50 ? 'more than 50' : byName.rows.length} units; give the code or the departmentId of one`,
    candidates,
  );
}

/** A province by code (H18), departmentId or name; anything else is InputError on `field`. */
export async function resolveProvince(db: Queryable, ref: string, field = '--province'): Promise<UnitRow> {
  const text = ref.trim();
  const res = await db.query<DbUnit>(
    `select ${UNIT_COLUMNS} from units u left join units p on p.id = u.province_id
      where u.kind = 'province' and (upper(u.code) = upper($1) or u.id::text = lower($1))`,
    [text],
  );
  if (res.rows[0]) return toUnitRow(res.rows[0]);
  try {
    const unit = await resolveUnit(db, text, field);
    if (unit.kind === 'province') return unit;
  } catch (e) {
    if (!(e instanceof InputError) || e.candidates.length > 0) throw e;
  }
  const known = await db.query<{ code: string | null; name: string }>(
    `select code, name from units where kind = 'province' order by code`,
  );
  throw new InputError(
    field,
    `no province "${text}" in the history${known.rows.length > 0 ? '' : ' (no data collected yet)'}; use a province code such as H18`,
    known.rows.map((r) => `${r.code ?? ''}  ${r.name}`),
  );
}

/** The default province when none is named: the only one with history, else the first configured. */
export async function defaultProvinceCode(db: Queryable, configured: readonly string[]): Promise<string> {
  const res = await db.query<{ code: string }>(
    `select code from units where kind = 'province' and code is not null order by code`,
  );
  const codes = res.rows.map((r) => r.code);
  const first = configured.find((c) => codes.includes(c));
  return first ?? codes[0] ?? configured[0] ?? 'H18';
}
