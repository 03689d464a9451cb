/**
 * `service-results` in its two modes (PORTAL_API.md §3):
 * - `national`: the 34 provinces with their total and six `groupScores`;
 * - `service-results`: one province's agencies and communes with their total only.
 */
import { GROUP_CODES, GROUP_MAX, nfc, type UnitKind } from '../domain.js';
import { InputError } from '../errors.js';
import {
  codeSuffix,
  competitionRanks,
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
 * The national list: each row a province (kind `province`, no parent) with its TOTAL and
 * rank among the rows (competition ranking on totalScore; the portal sorts by it but we do
 * not trust order), and its six group scores. National rows carry no group maximum, so the
 * max of each group is the published QĐ766 maximum ({@link GROUP_MAX}), which the component
 * endpoints also send (18/20/12/10/22/18). The national overview ("Cả nước") is not a unit:
 * it stays in `extras.overview` exactly as given.
 */
export function parseNational(data: JsonObject): ParsedCapture {
  const call: CallName = 'national';
  const rows = readArray(call, data.evaluation, 'data.evaluation');
  if (rows.length === 0) formatError(call, 'data.evaluation', 'the national list is empty');
  const units: UnitObservation[] = [];
  const totals: { unitId: string; score: number | null; delta: number | null | undefined }[] = [];
  const groupRows: ScoreObservation[][] = [];
  const rowExtras: Record<string, JsonObject> = {};
  rows.forEach((raw, i) => {
    const path = `data.evaluation[${i}]`;
    const row = readObject(call, raw, path);
    const id = readString(call, row, 'departmentId', path);
    units.push({
      id,
      code: readOptionalString(call, row, 'departmentCode', path),
      name: nfc(readString(call, row, 'departmentName', path)),
      kind: 'province',
      parentId: null,
    });
    totals.push({
      unitId: id,
      score: readNumberOrNull(call, row, 'totalScore', path),
      delta: readOptionalNumber(call, row, 'scoreDelta', path),
    });
    const gs = readObject(call, row.groupScores, `${path}.groupScores`);
    groupRows.push(
      GROUP_CODES.map((g) => ({
        unitId: id,
        group: g,
        score: readNumberOrNull(call, gs, g, `${path}.groupScores`),
        maxScore: GROUP_MAX[g],
        rank: null,
        rankOf: null,
        flags: [],
      })),
    );
    const extra = unknownKeys(row, NATIONAL_ROW_KEYS);
    if (Object.keys(extra).length > 0) rowExtras[id] = extra;
  });
  const ranks = competitionRanks(totals.map((t) => t.score));
  const scores: ScoreObservation[] = [];
  totals.forEach((t, i) => {
    scores.push({
      unitId: t.unitId,
      group: 'TOTAL',
      score: t.score,
      maxScore: TOTAL_MAX,
      rank: ranks[i] ?? null,
      rankOf: rows.length,
      flags: [],
      ...(t.delta !== undefined ? { scoreDelta: t.delta } : {}),
    });
    scores.push(...(groupRows[i] ?? []));
  });
  return {
    call,
    units,
    scores,
    metrics: [],
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
    `cannot tell agency from commune (childGroup ${JSON.stringify(row.childGroup ?? null)}, departmentCode ${JSON.stringify(code)})`,
  );
}

/**
 * One province's list: `overview` is the province itself (it has no departmentId, so the
 * caller's `provinceId` names it), `evaluation[]` its agencies and communes, each with a
 * TOTAL out of 100 ranked within its own list (agencies apart from communes). Per-province
 * rows carry no groupScores: the six groups come from the component endpoints.
 */
export function parseServiceResults(data: JsonObject, ctx: { provinceId?: string }): ParsedCapture {
  const call: CallName = 'service-results';
  const provinceId = ctx.provinceId;
  if (provinceId === undefined || provinceId === '')
    throw new InputError(
      'provinceId',
      'a per-province service-results answer does not name its province; pass the province id (--province-id <uuid>)',
    );
  const overview = readObject(call, data.overview, 'data.overview');
  const units: UnitObservation[] = [
    {
      id: provinceId,
      code: readOptionalString(call, overview, 'departmentCode', 'data.overview'),
      name: nfc(readString(call, overview, 'departmentName', 'data.overview')),
      kind: 'province',
      parentId: null,
    },
  ];
  const provinceMax = readOptionalNumber(call, overview, 'totalMaxScore', 'data.overview');
  const provinceDelta = readOptionalNumber(call, overview, 'scoreDelta', 'data.overview');
  const provinceScore: ScoreObservation = {
    unitId: provinceId,
    group: 'TOTAL',
    score: readNumberOrNull(call, overview, 'totalScore', 'data.overview'),
    maxScore: provinceMax === undefined ? TOTAL_MAX : provinceMax,
    rank: null, // the province's rank among the 34 comes from the national list
    rankOf: null,
    flags: [],
    ...(provinceDelta !== undefined ? { scoreDelta: provinceDelta } : {}),
  };

  const rows = readArray(call, data.evaluation, 'data.evaluation');
  const rowScores: {
    unitId: string;
    kind: UnitKind;
    score: number | null;
    delta: number | null | undefined;
  }[] = [];
  const rowExtras: Record<string, JsonObject> = {};
  rows.forEach((raw, i) => {
    const path = `data.evaluation[${i}]`;
    const row = readObject(call, raw, path);
    const id = readString(call, row, 'departmentId', path);
    const code = readOptionalString(call, row, 'departmentCode', path);
    const kind = unitKindOf(row, code, path);
    units.push({
      id,
      code,
      name: nfc(readString(call, row, 'departmentName', path)),
      kind,
      parentId: provinceId,
    });
    rowScores.push({
      unitId: id,
      kind,
      score: readNumberOrNull(call, row, 'totalScore', path),
      delta: readOptionalNumber(call, row, 'scoreDelta', path),
    });
    const extra = unknownKeys(row, UNIT_ROW_KEYS);
    if (Object.keys(extra).length > 0) rowExtras[id] = extra;
  });

  const rankIn = new Map<string, { rank: number | null; of: number }>();
  for (const kind of ['agency', 'commune'] as const) {
    const list = rowScores.filter((r) => r.kind === kind);
    const ranks = competitionRanks(list.map((r) => r.score));
    list.forEach((r, i) => {
      rankIn.set(r.unitId, { rank: ranks[i] ?? null, of: list.length });
    });
  }
  const scores: ScoreObservation[] = [provinceScore];
  for (const r of rowScores) {
    const rk = rankIn.get(r.unitId);
    scores.push({
      unitId: r.unitId,
      group: 'TOTAL',
      score: r.score,
      // Rows carry no maximum; they are on the same scale as the province's overview (100,
      // or more after a formula change), so a new maximum reaches the units too.
      maxScore: provinceMax ?? TOTAL_MAX,
      rank: rk?.rank ?? null,
      rankOf: rk?.of ?? null,
      flags: [],
      ...(r.delta !== undefined ? { scoreDelta: r.delta } : {}),
    });
  }
  return {
    call,
    units,
    scores,
    metrics: [],
    pagination: null,
    extras: withRowExtras(dataExtras(data), rowExtras),
  };
}
