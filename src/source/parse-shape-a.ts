/**
 * Shape A component endpoints (`transparency` → CKMB, `dossier-digitized` → MDSH,
 * `handling-satisfaction` → MDHL; PORTAL_API.md §4): `data.overview` is the province (with
 * its departmentId), `data.evaluation[]` its units, each with `totalScore`/`totalMaxScore`,
 * `metrics[]` and data-quality flags, plus `data.pagination`.
 */
import type { GroupCode, UnitKind } from '../domain.js';
import { printableValue } from '../text.js';
import { isUuid, settleDuplicates, ValueChecks } from './parse-checks.js';
import {
  formatError,
  type JsonObject,
  readArray,
  readNumberOrNull,
  readObject,
  readOptionalNumber,
  readOptionalString,
  readString,
  unknownKeys,
} from './parse-fields.js';
import type { CallName } from './requests.js';
import type {
  MetricObservation,
  Pagination,
  ParsedCapture,
  ScoreObservation,
  UnitObservation,
} from './types.js';

export type ShapeACall = 'transparency' | 'dossier-digitized' | 'handling-satisfaction';

/** Which QĐ766 group each Shape-A endpoint scores (verified against the national groupScores). */
export const SHAPE_A_GROUP: Readonly<Record<ShapeACall, GroupCode>> = {
  transparency: 'CKMB',
  'dossier-digitized': 'MDSH',
  'handling-satisfaction': 'MDHL',
};

/**
 * Keys we read, or know and deliberately drop (`stt` = position, `ratio` = score/max in %,
 * `agencyLevel` level_1/level_2 repeats departmentLevel). The rest (averageScore,
 * totalPetitions, …) is kept in `extras.rowExtras`.
 */
const ROW_KEYS = new Set([
  'stt',
  'departmentId',
  'departmentName',
  'departmentCode',
  'departmentType',
  'departmentLevel',
  'agencyLevel',
  'totalScore',
  'totalMaxScore',
  'ratio',
  'scoreDelta',
  'metrics',
]);

/** Agency or commune from departmentType, falling back on departmentLevel. */
function rowKind(call: CallName, row: JsonObject, path: string): UnitKind {
  const type = readOptionalString(call, row, 'departmentType', path);
  if (type === 'PROVINCIAL_DEPARTMENT') return 'agency';
  if (type === 'COMMUNE_PEOPLE_COMMITTEE') return 'commune';
  const level = readOptionalString(call, row, 'departmentLevel', path);
  if (level === 'PROVINCE') return 'agency'; // a unit at province level (sở, ban, ngành)
  if (level === 'COMMUNE') return 'commune';
  return formatError(
    call,
    `${path}.departmentType`,
    `unknown unit type (departmentType ${printableValue(type)}, departmentLevel ${printableValue(level)})`,
  );
}

/**
 * `metrics[]` of one row → observations; `score: null` (tracked-only metrics) stays null. A
 * metric whose code is unusable is left out; other unusable values are nulled (checks).
 */
function readMetrics(
  call: CallName,
  group: GroupCode,
  unitId: string,
  row: JsonObject,
  path: string,
  checks: ValueChecks,
  ref: { unitId: string; code: string | null; name: string | null },
): MetricObservation[] {
  if (!('metrics' in row)) return formatError(call, `${path}.metrics`, 'missing field');
  if (row.metrics === null) return [];
  const out: MetricObservation[] = [];
  readArray(call, row.metrics, `${path}.metrics`).forEach((raw, j) => {
    const mp = `${path}.metrics[${j}]`;
    const m = readObject(call, raw, mp);
    const r = { ...ref, group };
    const code = checks.text(readString(call, m, 'code', mp), 'metric code', `${mp}.code`, r, {
      required: true,
    });
    if (code === null) return;
    const metric: MetricObservation = {
      unitId,
      group,
      code,
      name: checks.text(readOptionalString(call, m, 'name', mp), `metric ${code} name`, `${mp}.name`, r),
      numerator: readOptionalNumber(call, m, 'numerator', mp) ?? null,
      denominator: readOptionalNumber(call, m, 'denominator', mp) ?? null,
      ratio: readOptionalNumber(call, m, 'ratio', mp) ?? null,
      score: readNumberOrNull(call, m, 'score', mp),
      maxScore: readNumberOrNull(call, m, 'maxScore', mp),
      qualityStatus: checks.text(
        readOptionalString(call, m, 'dataQualityStatus', mp),
        `metric ${code} dataQualityStatus`,
        `${mp}.dataQualityStatus`,
        r,
      ),
      qualityMessage: checks.text(
        readOptionalString(call, m, 'dataQualityMessage', mp),
        `metric ${code} dataQualityMessage`,
        `${mp}.dataQualityMessage`,
        r,
      ),
    };
    out.push(checks.metric(metric, mp, r));
  });
  return out;
}

function flagsOf(metrics: readonly MetricObservation[]): string[] {
  return [...new Set(metrics.map((m) => m.qualityStatus).filter((s): s is string => s !== null))];
}

export function readPagination(call: CallName, v: unknown): Pagination | null {
  if (v === undefined || v === null) return null;
  const p = readObject(call, v, 'data.pagination');
  const int = (key: string): number => {
    const n = readNumberOrNull(call, p, key, 'data.pagination');
    if (n === null || !Number.isInteger(n) || n < 0)
      formatError(call, `data.pagination.${key}`, 'expected a whole number');
    return n;
  };
  const total = readOptionalNumber(call, p, 'total', 'data.pagination');
  return {
    total: total ?? null,
    currentPage: int('currentPage'),
    pageSize: int('pageSize'),
    totalPages: int('totalPages'),
  };
}

/**
 * Parse a Shape-A body. The group score of each unit is `totalScore / totalMaxScore`, its
 * flags the distinct `dataQualityStatus` values of its metrics. `provinceId`, when given,
 * must be the overview's departmentId (a body for another province is a format error).
 */
export function parseShapeA(call: ShapeACall, data: JsonObject, ctx: { provinceId?: string }): ParsedCapture {
  const group = SHAPE_A_GROUP[call];
  const checks = new ValueChecks(call);
  const overview = readObject(call, data.overview, 'data.overview');
  const provinceId = readString(call, overview, 'departmentId', 'data.overview').toLowerCase();
  if (!isUuid(provinceId)) formatError(call, 'data.overview.departmentId', 'the province id is not a uuid');
  if (ctx.provinceId !== undefined && ctx.provinceId.toLowerCase() !== provinceId)
    formatError(call, 'data.overview.departmentId', `the answer is for ${provinceId}, not ${ctx.provinceId}`);

  const units: UnitObservation[] = [];
  const scores: ScoreObservation[] = [];
  const metrics: MetricObservation[] = [];
  const rowExtras: Record<string, JsonObject> = {};

  const addRow = (row: JsonObject, path: string, kind: UnitKind, rawId: string) => {
    const rawCode = readOptionalString(call, row, 'departmentCode', path);
    const rawName = readString(call, row, 'departmentName', path, { allowEmpty: true });
    const id = kind === 'province' ? provinceId : checks.id(rawId, `${path}.departmentId`, { code: rawCode });
    if (id === null) return;
    const ref0 = { unitId: id, code: rawCode };
    const code = checks.text(rawCode, 'departmentCode', `${path}.departmentCode`, ref0);
    const name = checks.text(
      rawName,
      'departmentName',
      `${path}.departmentName`,
      { unitId: id, code },
      {
        required: true,
      },
    );
    const ref = { unitId: id, code, name };
    units.push({ id, code, name, kind, parentId: kind === 'province' ? null : provinceId });
    const rowMetrics = readMetrics(call, group, id, row, path, checks, ref);
    const delta = readOptionalNumber(call, row, 'scoreDelta', path);
    scores.push({
      unitId: id,
      group,
      ...checks.score(
        readNumberOrNull(call, row, 'totalScore', path),
        readNumberOrNull(call, row, 'totalMaxScore', path),
        true,
        `${path}.totalScore`,
        `${path}.totalMaxScore`,
        { ...ref, group },
      ),
      rank: null,
      rankOf: null,
      flags: flagsOf(rowMetrics),
      ...(delta !== undefined ? { scoreDelta: delta } : {}),
    });
    metrics.push(...rowMetrics);
    const extra = unknownKeys(row, ROW_KEYS);
    if (Object.keys(extra).length > 0) rowExtras[id] = extra;
  };

  addRow(overview, 'data.overview', 'province', provinceId);
  readArray(call, data.evaluation, 'data.evaluation').forEach((raw, i) => {
    const path = `data.evaluation[${i}]`;
    const row = readObject(call, raw, path);
    addRow(
      row,
      path,
      rowKind(call, row, path),
      readString(call, row, 'departmentId', path, { allowEmpty: true }),
    );
  });

  const extras: Record<string, unknown> = unknownKeys(data, new Set(['evaluation', 'pagination']));
  if (Object.keys(rowExtras).length > 0) extras.rowExtras = rowExtras;
  const settled = settleDuplicates(call, units, scores, metrics);
  return {
    call,
    units: settled.units,
    scores: settled.scores,
    metrics: settled.metrics,
    problems: [...checks.problems, ...settled.problems],
    pagination: readPagination(call, data.pagination),
    extras,
  };
}
