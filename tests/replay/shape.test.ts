import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Period } from '../../src/domain.js';
import { RECORDINGS_DAY, scenarioFromRecordings } from '../../src/replay/from-recordings.js';
import type { Scenario } from '../../src/replay/scenario.js';
import { type ReplayPortal, startReplayPortal } from '../../src/replay/server.js';
import { type CallName, planCall } from '../../src/source/requests.js';
import { compareShapes } from './shape.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RECORDINGS = path.resolve(ROOT, 'tests/fixtures/portal-recordings');
const YEAR: Period = { type: 'year', year: 2026, number: 0 };
const AUGUST: Period = { type: 'month', year: 2026, number: 8 };

const CASES: Array<[CallName, Period, string]> = [
  ['transparency', YEAR, 'qd766-phutho-2026-09/transparency/year-all.json'],
  ['handling-satisfaction', YEAR, 'qd766-phutho-2026-09/handling-satisfaction/year-all.json'],
  ['dossier-digitized', YEAR, 'qd766-phutho-2026-09/dossier-digitized/year-all.json'],
  ['dvc-progress-tree', YEAR, 'qd766-phutho-2026-09/dvc-progress-tree/year-all.json'],
  ['provide-online-tree', YEAR, 'qd766-phutho-2026-09/provide-online-tree/year-all.json'],
  ['formality-online-payment-tree', YEAR, 'qd766-phutho-2026-09/formality-online-payment-tree/year-all.json'],
  [
    'formality-online-payment-tree',
    AUGUST,
    'qd766-phutho-2026-09/formality-online-payment-tree/month-all.json',
  ],
  ['national', YEAR, 'crawler766-national-2026-09/service-results/year-2026-national-20260927.json'],
  // Phú Thọ's own list was never recorded; Gia Lai's is the recorded shape of that call.
  ['service-results', YEAR, 'crawler766-provinces-2026-09/service-results/year-2026-root-H21.json'],
];

let scenario: Scenario;
let portal: ReplayPortal;
beforeAll(async () => {
  scenario = await scenarioFromRecordings(RECORDINGS);
  portal = await startReplayPortal({ scenario }, { date: RECORDINGS_DAY });
});
afterAll(async () => {
  await portal.close();
});

async function generated(call: CallName, period: Period): Promise<{ status: number; text: string }> {
  const p = planCall(call, scenario.province.id, period);
  const res = await fetch(portal.url + p.path, { method: 'POST', body: JSON.stringify(p.body) });
  return { status: res.status, text: await res.text() };
}

describe('compareShapes', () => {
  it('finds no difference between a recording and itself, and finds tampering', async () => {
    const rec = JSON.parse(await readFile(path.join(RECORDINGS, CASES[0]![2]), 'utf8'));
    expect(compareShapes(rec, rec)).toEqual([]);
    const dropped = structuredClone(rec);
    // Array items are compared as the union of their shapes: a key one item lacks is no difference…
    delete dropped.data.evaluation[5].metrics[3].dataQualityStatus;
    expect(compareShapes(rec, dropped)).toEqual([]);
    // …a key no item has is.
    for (const e of dropped.data.evaluation) delete e.agencyLevel;
    expect(compareShapes(rec, dropped)).toEqual([
      '$.data.evaluation[].agencyLevel: in the recording, not generated',
    ]);
    const retyped = structuredClone(rec);
    retyped.data.overview.totalScore = '7.96';
    expect(compareShapes(rec, retyped)).toEqual([
      '$.data.overview.totalScore: generated string, recording has number',
    ]);
    const nested = structuredClone(rec);
    nested.data.pagination = [nested.data.pagination];
    expect(compareShapes(rec, nested).length).toBeGreaterThan(1);
    const extra = structuredClone(rec);
    extra.data.evaluation[0].departmentCode = 'H44.01';
    expect(compareShapes(rec, extra)).toEqual([
      '$.data.evaluation[].departmentCode: generated, not in the recording',
    ]);
    // a key that is null in the recording may be generated as null or as a value
    const filled = structuredClone(rec);
    filled.data.overview.scoreDelta = 0.5;
    expect(compareShapes(rec, filled)).toEqual([]);
  });
});

describe('scenario built from the real recordings', () => {
  it('holds Phú Thọ with its 163 units and the 33 other provinces', () => {
    expect(scenario.province.code).toBe('H44');
    expect(scenario.units).toHaveLength(163);
    expect(scenario.provinces).toHaveLength(33);
  });

  it.each(CASES)('generates %s (%o) in the recorded shape', async (call, period, file) => {
    const rec = JSON.parse(await readFile(path.join(RECORDINGS, file), 'utf8'));
    const gen = await generated(call, period);
    expect(gen.status).toBe(201);
    expect(compareShapes(rec, JSON.parse(gen.text))).toEqual([]);
  });

  it('reproduces the Shape-A answers and the year payment tree byte for byte', async () => {
    for (const [call, period, file] of CASES.slice(0, 3).concat([CASES[5]!])) {
      const bytes = await readFile(path.join(RECORDINGS, file), 'utf8');
      expect((await generated(call, period)).text, file).toBe(bytes);
    }
  });

  it('reproduces the province figures of every group and the national row of Phú Thọ', async () => {
    const tree = JSON.parse((await generated('dvc-progress-tree', YEAR)).text);
    expect(tree.data.parent.totalScore).toBe(17.68);
    const pay = JSON.parse((await generated('formality-online-payment-tree', YEAR)).text);
    expect(pay.data.parent.totalScore).toBe(6.67);
    const nat = JSON.parse((await generated('national', YEAR)).text);
    const rec = JSON.parse(await readFile(path.join(RECORDINGS, CASES[7]![2]), 'utf8'));
    const mine = nat.data.evaluation.find((r: { departmentCode: string }) => r.departmentCode === 'H44');
    const theirs = rec.data.evaluation.find((r: { departmentCode: string }) => r.departmentCode === 'H44');
    expect(mine.groupScores).toEqual(theirs.groupScores);
    expect(mine.totalScore).toBe(theirs.totalScore);
    expect(nat.data.evaluation.map((r: { departmentCode: string }) => r.departmentCode)).toEqual(
      rec.data.evaluation.map((r: { departmentCode: string }) => r.departmentCode),
    );
  });
});
