/**
 * `service-results` in its two modes (PORTAL_API.md §3):
 * - `national`: the 34 provinces with their total and six `groupScores`;
 * - `service-results`: one province's agencies and communes with their total only.
 */
import { GROUP_CODES, GROUP_MAX, type UnitKind } from '../domain.js';
import { InputError } from '../errors.js';
import { printableValue } from '../text.js';
import { isUuid, settleDuplicates, ValueChecks } from './parse-checks.js';
import {
  codeSuffix,
  competitionRanks,
  formatError,
  isObject,
  type JsonObject,
  readArray,
  readNumberOrNull,
  readObject,
  readOptionalNumber,
  readOptionalString,
  readString,
  unknownKeys,
} from './parse-fields.js';
import { type CallName, PROVINCES, provinceByCode } from './requests.js';
import type { ParsedCapture, ScoreObservation, UnitObservation } from './types.js';

/** The total of service-results is out of 100; rows carry `ratio` (= the score) but no max. */
const TOTAL_MAX = 100;

/** Row keys we read (or that are derivable, like `ratio` = score/max in %); others go to extras. */
const NATIONAL_ROW_KEYS = new Set([
  'departmentId',
  'departmentName',
  'departmentCode',
  'totalScore',
  'ratio',
  'scoreDelta',
  'groupScores',
]);
const UNIT_ROW_KEYS = new Set([
  'departmentId',
  'departmentName',
  'departmentCode',
  'totalScore',
  'ratio',
  'scoreDelta',
  'childGroup',
]);

/** Everything in `data` but the row list, exactly as the portal gave it (overview, radar, donuts, charts…). */
function dataExtras(data: JsonObject): Record<string, unknown> {
  return unknownKeys(data, new Set(['evaluation']));
}

function withRowExtras(
  extras: Record<string, unknown>,
  rowExtras: Record<string, JsonObject>,
): Record<string, unknown> {
  return Object.keys(rowExtras).length > 0 ? { ...extras, rowExtras } : extras;
}

/**
 * A row's unit id and code, checked: null when the id is not a UUID (the row is then left
 * out and the problem recorded by `checks`).
 */
function readUnitHead(
  call: CallName,
  checks: ValueChecks,
  row: JsonObject,
  path: string,
): { id: string; code: string | null } | null {
  const rawCode = readOptionalString(call, row, 'departmentCode', path);
  const id = checks.id(
    readString(call, row, 'departmentId', path, { allowEmpty: true }),
    `${path}.departmentId`,
    {
      code: rawCode,
    },
  );
  if (id === null) return null;
  const code = checks.text(rawCode, 'departmentCode', `${path}.departmentCode`, {
    unitId: id,
    code: rawCode,
  });
  return { id, code };
}

/**
 * The national list: each row a province (kind `province`, no parent) with its TOTAL and
 * rank among the rows (competition ranking on totalScore; the portal sorts by it but we do
 * not trust order), and its six group scores. National rows carry no group maximum, so the
 * max of each group is the published QĐ766 maximum ({@link GROUP_MAX}), which the component
 * endpoints also send (18/20/12/10/22/18); those assumed maxima do not bound the checks (a
 * formula change may raise them), only the columns' limit does. The national overview ("Cả
 * nước") is not a unit: it stays in `extras.overview` exactly as given.
 */
export function parseNational(data: JsonObject): ParsedCapture {
  const call: CallName = 'national';
  const checks = new ValueChecks(call);
  const rows = readArray(call, data.evaluation, 'data.evaluation');
  if (rows.length === 0) formatError(call, 'data.evaluation', 'the national list is empty');
  const units: UnitObservation[] = [];
  const rowScores: ScoreObservation[] = [];
  const rowExtras: Record<string, JsonObject> = {};
  rows.forEach((raw, i) => {
    const path = `data.evaluation[${i}]`;
    const row = readObject(call, raw, path);
    const head = readUnitHead(call, checks, row, path);
    if (head === null) return;
    const { id, code } = head;
    const name = checks.text(
      readString(call, row, 'departmentName', path, { allowEmpty: true }),
      'departmentName',
      `${path}.departmentName`,
      { unitId: id, code },
      { required: true },
    );
    const ref = { unitId: id, code, name };
    units.push({ id, code, name, kind: 'province', parentId: null });
    const delta = readOptionalNumber(call, row, 'scoreDelta', path);
    rowScores.push({
      unitId: id,
      group: 'TOTAL',
      ...checks.score(
        readNumberOrNull(call, row, 'totalScore', path),
        TOTAL_MAX,
        false,
        `${path}.totalScore`,
        `${path}.totalScore`,
        { ...ref, group: 'TOTAL' },
      ),
      rank: null,
      rankOf: null,
      flags: [],
      ...(delta !== undefined ? { scoreDelta: delta } : {}),
    });
    const gs = readObject(call, row.groupScores, `${path}.groupScores`);
    for (const g of GROUP_CODES)
      rowScores.push({
        unitId: id,
        group: g,
        ...checks.score(
          readNumberOrNull(call, gs, g, `${path}.groupScores`),
          GROUP_MAX[g],
          false,
          `${path}.groupScores.${g}`,
          `${path}.groupScores.${g}`,
          { ...ref, group: g },
        ),
        rank: null,
        rankOf: null,
        flags: [],
      });
    const extra = unknownKeys(row, NATIONAL_ROW_KEYS);
    if (Object.keys(extra).length > 0) rowExtras[id] = extra;
  });
  // One row per province before ranking: a province listed twice must not push the others down.
  const settled = settleDuplicates(call, units, rowScores, []);
  const totals = settled.scores.filter((s) => s.group === 'TOTAL');
  const ranks = new Map(
    competitionRanks(totals.map((t) => t.score)).map((r, i) => [totals[i]?.unitId ?? '', r] as const),
  );
  const scores: ScoreObservation[] = [];
  for (const u of settled.units) {
    for (const s of settled.scores.filter((x) => x.unitId === u.id)) {
      scores.push(
        s.group === 'TOTAL' ? { ...s, rank: ranks.get(u.id) ?? null, rankOf: settled.units.length } : s,
      );
    }
  }
  return {
    call,
    units: settled.units,
    scores,
    metrics: [],
    problems: [...checks.problems, ...settled.problems],
    pagination: null,
    extras: withRowExtras(dataExtras(data), rowExtras),
  };
}

/** AGENCY/COMMUNE from `childGroup`; without it, the code suffix (≥ 100 ⇒ commune). */
function unitKindOf(row: JsonObject, code: string | null, path: string): UnitKind {
  const group = readOptionalString('service-results', row, 'childGroup', path);
  if (group === 'AGENCY') return 'agency';
  if (group === 'COMMUNE') return 'commune';
  const suffix = codeSuffix(code);
  if (suffix !== null) return suffix >= 100 ? 'commune' : 'agency';
  return formatError(
    'service-results',
    `${path}.childGroup`,
    `cannot tell agency from commune (childGroup ${printableValue(row.childGroup ?? null)}, departmentCode ${printableValue(code)})`,
  );
}

/**
 * The province a per-province `service-results` answer is about, from its units' codes
 * (`H01.189` → H01) and the catalogue: every code with a province prefix must name the same
 * province. Throws InputError when the codes are missing, disagree or name no catalogued
 * province (then `--province-id` is needed).
 */
export function inferProvinceId(data: JsonObject): string {
  const prefixes = new Set<string>();
  const overview = data.overview;
  const codes: unknown[] = [];
  if (isObject(overview)) codes.push(overview.departmentCode);
  if (Array.isArray(data.evaluation))
    for (const row of data.evaluation) if (isObject(row)) codes.push(row.departmentCode);
  for (const c of codes) {
    const m = typeof c === 'string' ? /^(H\d{2})(?:\.\d+)?$/i.exec(c.trim()) : null;
    if (m?.[1]) prefixes.add(m[1].toUpperCase());
  }
  const how = 'pass the province id (--province-id <uuid>)';
  if (prefixes.size === 0)
    throw new InputError(
      'provinceId',
      `a per-province service-results answer does not name its province and its units carry no codes like H18.01; ${how}`,
    );
  if (prefixes.size > 1)
    throw new InputError(
      'provinceId',
      `the units' codes name several provinces (${[...prefixes].sort().join(', ')}); ${how}`,
    );
  const code = [...prefixes][0]!;
  const province = provinceByCode(code);
  if (!province)
    throw new InputError(
      'provinceId',
      `the units' codes name ${code}, which is not one of the 34 catalogued provinces; ${how}`,
      PROVINCES.map((p) => `${p.code}  ${p.id}  ${p.name}`),
    );
  return province.id;
}

/**
 * One province's list: `overview` is the province itself (it has no departmentId, so the
 * caller's `provinceId` names it, else the units' codes and the catalogue do), `evaluation[]`
 * its agencies and communes, each with a TOTAL out of the overview's max (100) ranked within
 * its own list (agencies apart from communes). Per-province rows carry no groupScores: the six
 * groups come from the component endpoints.
 */
export function parseServiceResults(data: JsonObject, ctx: { provinceId?: string }): ParsedCapture {
  const call: CallName = 'service-results';
  const checks = new ValueChecks(call);
  const given = ctx.provinceId?.trim();
  if (given !== undefined && given !== '' && !isUuid(given))
    throw new InputError('provinceId', `"${given}" is not a uuid (the province's departmentId)`);
  const provinceId = given ? given.toLowerCase() : inferProvinceId(data);
  const overview = readObject(call, data.overview, 'data.overview');
  const overviewCode = readOptionalString(call, overview, 'departmentCode', 'data.overview');
  const provinceCode = checks.text(overviewCode, 'departmentCode', 'data.overview.departmentCode', {
    unitId: provinceId,
    code: overviewCode,
  });
  const provinceRef = {
    unitId: provinceId,
    code: provinceCode,
    name: checks.text(
      readString(call, overview, 'departmentName', 'data.overview', { allowEmpty: true }),
      'departmentName',
      'data.overview.departmentName',
      { unitId: provinceId, code: provinceCode },
      { required: true },
    ),
  };
  const units: UnitObservation[] = [
    { id: provinceId, code: provinceRef.code, name: provinceRef.name, kind: 'province', parentId: null },
  ];
  const sentMax = readOptionalNumber(call, overview, 'totalMaxScore', 'data.overview');
  const provinceDelta = readOptionalNumber(call, overview, 'scoreDelta', 'data.overview');
  const checked = checks.score(
    readNumberOrNull(call, overview, 'totalScore', 'data.overview'),
    sentMax === undefined ? TOTAL_MAX : sentMax,
    sentMax !== undefined,
    'data.overview.totalScore',
    'data.overview.totalMaxScore',
    { ...provinceRef, group: 'TOTAL' },
  );
  const provinceScore: ScoreObservation = {
    unitId: provinceId,
    group: 'TOTAL',
    ...checked,
    rank: null, // the province's rank among the 34 comes from the national list
    rankOf: null,
    flags: [],
    ...(provinceDelta !== undefined ? { scoreDelta: provinceDelta } : {}),
  };
  // Rows carry no maximum; they are on the same scale as the province's overview (100, or
  // more after a formula change), so a new maximum reaches the units too. A max the overview
  // did not send (or an unusable one) does not bound the rows' check.
  const rowMax = sentMax === undefined || sentMax === null ? TOTAL_MAX : checked.maxScore;
  const rowMaxSent = sentMax !== undefined && sentMax !== null && checked.maxScore !== null;

  const rows = readArray(call, data.evaluation, 'data.evaluation');
  const rowScores: ScoreObservation[] = [];
  const kinds = new Map<string, UnitKind>();
  const rowExtras: Record<string, JsonObject> = {};
  rows.forEach((raw, i) => {
    const path = `data.evaluation[${i}]`;
    const row = readObject(call, raw, path);
    const head = readUnitHead(call, checks, row, path);
    if (head === null) return;
    const { id, code } = head;
    const kind = unitKindOf(row, code, path);
    const name = checks.text(
      readString(call, row, 'departmentName', path, { allowEmpty: true }),
      'departmentName',
      `${path}.departmentName`,
      { unitId: id, code },
      { required: true },
    );
    units.push({ id, code, name, kind, parentId: provinceId });
    kinds.set(id, kind);
    const delta = readOptionalNumber(call, row, 'scoreDelta', path);
    rowScores.push({
      unitId: id,
      group: 'TOTAL',
      ...checks.score(
        readNumberOrNull(call, row, 'totalScore', path),
        rowMax,
        rowMaxSent,
        `${path}.totalScore`,
        'data.overview.totalMaxScore',
        { unitId: id, code, name, group: 'TOTAL' },
      ),
      rank: null,
      rankOf: null,
      flags: [],
      ...(delta !== undefined ? { scoreDelta: delta } : {}),
    });
    const extra = unknownKeys(row, UNIT_ROW_KEYS);
    if (Object.keys(extra).length > 0) rowExtras[id] = extra;
  });

  // One row per unit before ranking: a unit listed twice must not push the others down.
  const settled = settleDuplicates(call, units, [provinceScore, ...rowScores], []);
  const rankIn = new Map<string, { rank: number | null; of: number }>();
  for (const kind of ['agency', 'commune'] as const) {
    const list = settled.scores.filter((r) => r.unitId !== provinceId && kinds.get(r.unitId) === kind);
    const ranks = competitionRanks(list.map((r) => r.score));
    list.forEach((r, i) => {
      rankIn.set(r.unitId, { rank: ranks[i] ?? null, of: list.length });
    });
  }
  const scores = settled.scores.map((s) => {
    const rk = rankIn.get(s.unitId);
    return rk ? { ...s, rank: rk.rank, rankOf: rk.of } : s;
  });
  return {
    call,
    units: settled.units,
    scores,
    metrics: [],
    problems: [...checks.problems, ...settled.problems],
    pagination: null,
    extras: withRowExtras(dataExtras(data), rowExtras),
  };
}
