/**
 * A one-day scenario built from the real Phú Thọ recordings (qd766, 26/09/2026) and the
 * national list (Crawler-766, 27/09/2026), so the generator's answers can be compared with the
 * portal's own: same units, names, scores, metric rows and counts.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GROUP_CODES, GROUP_MAX, type GroupCode } from '../domain.js';
import { InputError } from '../errors.js';
import type { GroupObject, OtherProvince, Scenario, ScenarioMetric, UnitValues } from './scenario.js';
import { parseScenario } from './scenario.js';

const PHUTHO = 'qd766-phutho-2026-09';
const NATIONAL = 'crawler766-national-2026-09/service-results/year-2026-national-20260927.json';
/** The day the Phú Thọ fixtures were captured. */
export const RECORDINGS_DAY = '2026-09-26';

type Row = Record<string, unknown>;

async function readData(file: string): Promise<Row> {
  const env = JSON.parse(await readFile(file, 'utf8')) as { data: Row };
  return env.data;
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** Tree-row fields that are neither identity nor score: kept verbatim as `counts`. */
function countsOf(row: Row, skip: readonly string[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(row)) {
    if (skip.includes(k)) continue;
    if (typeof v === 'number' || v === null) out[k] = v;
  }
  return out;
}

const ID_KEYS = ['departmentId', 'departmentName', 'departmentCode', 'level', 'scoreDelta'];

/**
 * Build the scenario. `dir` is the portal-recordings folder (or its `qd766-phutho-2026-09`
 * subfolder). The scenario has one day, {@link RECORDINGS_DAY}.
 */
export async function scenarioFromRecordings(dir: string): Promise<Scenario> {
  let root = path.resolve(dir);
  if (path.basename(root) === PHUTHO) root = path.dirname(root);
  if (!existsSync(path.join(root, PHUTHO))) {
    throw new InputError('recordings', `${root} does not hold ${PHUTHO}/; pass the portal-recordings folder`);
  }
  const f = (endpoint: string, name = 'year-all.json') => path.join(root, PHUTHO, endpoint, name);
  const [ckmb, mdhl, mdsh, tdgq, clgq, tttt, national] = await Promise.all([
    readData(f('transparency')),
    readData(f('handling-satisfaction')),
    readData(f('dossier-digitized')),
    readData(f('dvc-progress-tree')),
    readData(f('provide-online-tree')),
    readData(f('formality-online-payment-tree')),
    readData(path.join(root, NATIONAL)),
  ]);

  // dossier-digitized is the Shape-A answer that carries codes: it defines the unit list.
  const ov = mdsh['overview'] as Row;
  const province = {
    id: String(ov['departmentId']),
    code: String(ov['departmentCode']),
    name: String(ov['departmentName']),
  };
  const unitRows = mdsh['evaluation'] as Row[];
  const units = unitRows.map((r) => {
    const name = String(r['departmentName']);
    return {
      id: String(r['departmentId']),
      code: String(r['departmentCode']),
      name,
      kind: r['departmentType'] === 'PROVINCIAL_DEPARTMENT' ? ('agency' as const) : ('commune' as const),
      ...(name !== name.normalize('NFC') ? { nameForm: 'NFD' as const } : {}),
    };
  });

  const values = new Map<string, UnitValues>(units.map((u) => [u.id, {}]));
  const provinceValues: UnitValues = {};
  const setGroup = (id: string | null, g: GroupCode, v: GroupObject) => {
    const target = id === null ? provinceValues : values.get(id);
    if (!target) return; // a unit only this list has: not in the scenario's unit list
    const max = v.max;
    target[g] = max === undefined || max === GROUP_MAX[g] ? { ...v, max: undefined } : v;
  };
  const shapeA = (g: 'CKMB' | 'MDHL' | 'MDSH', data: Row) => {
    const one = (r: Row): GroupObject => ({
      score: num(r['totalScore']),
      max: num(r['totalMaxScore']) ?? undefined,
      metrics: (r['metrics'] as Row[]).map((m) => m as unknown as ScenarioMetric),
    });
    setGroup(null, g, one(data['overview'] as Row));
    for (const r of data['evaluation'] as Row[]) setGroup(String(r['departmentId']), g, one(r));
  };
  shapeA('CKMB', ckmb);
  shapeA('MDHL', mdhl);
  shapeA('MDSH', mdsh);
  const tree = (g: 'TDGQ' | 'CLGQ' | 'TTTT', data: Row) => {
    const scoreKey = g === 'TDGQ' ? 'score' : 'totalScore';
    const maxKey = g === 'TDGQ' ? 'maxScore' : 'totalMaxScore';
    const one = (r: Row, isParent: boolean): GroupObject => {
      const sk = isParent ? 'totalScore' : scoreKey;
      const mk = isParent ? 'totalMaxScore' : maxKey;
      const v: GroupObject = {
        score: num(r[sk]),
        max: num(r[mk]) ?? undefined,
        counts: countsOf(r, [...ID_KEYS, sk, mk]),
      };
      if (g === 'TTTT') {
        v.paidOnline = num(r['totalDossierOnlinePaymentSuccess']) ?? undefined;
        v.withFees = num(r['totalDossierFinancialObligation']) ?? undefined;
      }
      return v;
    };
    setGroup(null, g, one(data['parent'] as Row, true));
    for (const r of data['children'] as Row[]) setGroup(String(r['departmentId']), g, one(r, false));
  };
  tree('TDGQ', tdgq);
  tree('CLGQ', clgq);
  tree('TTTT', tttt);

  // A unit absent from some group's list is `missing` there (none is, in these recordings).
  for (const u of units) {
    const v = values.get(u.id)!;
    for (const g of GROUP_CODES) if (v[g] === undefined) v[g] = { score: null, missing: true };
  }

  const provinces: OtherProvince[] = (national['evaluation'] as Row[])
    .filter((r) => r['departmentId'] !== province.id)
    .map((r) => ({
      id: String(r['departmentId']),
      code: String(r['departmentCode']),
      name: String(r['departmentName']),
      groups: r['groupScores'] as OtherProvince['groups'],
    }));

  return parseScenario(
    JSON.parse(
      JSON.stringify({
        version: 1,
        description: `Phú Thọ (${province.code}) as recorded on ${RECORDINGS_DAY} (qd766 fixtures) with the national list of 27/09/2026`,
        province,
        provinces,
        units,
        base: {
          units: Object.fromEntries(units.map((u) => [u.code, values.get(u.id)!])),
          province: provinceValues,
        },
        days: { [RECORDINGS_DAY]: {} },
      }),
    ),
    'scenarioFromRecordings',
  );
}
