import { describe, expect, it } from 'vitest';
import { GROUP_CODES, type Period } from '../../src/domain.js';
import { type AssembleInput, assembleProvinceDay, type CaptureBody } from '../../src/source/assemble.js';
import type { CallName } from '../../src/source/requests.js';
import type { ProvinceDay } from '../../src/source/types.js';
import { GIA_LAI_ID, PHU_THO_ID, readRecording } from '../helpers/recordings.js';

const NATIONAL = 'crawler766-national-2026-09/service-results/year-2026-national-20260927.json';
const GIA_LAI = 'crawler766-provinces-2026-09/service-results/year-2026-root-H21.json';
const COMPONENTS = [
  'transparency',
  'dvc-progress-tree',
  'provide-online-tree',
  'formality-online-payment-tree',
  'dossier-digitized',
  'handling-satisfaction',
] as const;
/** Component calls in CALLS order, which is also the groups' order CKMB TDGQ CLGQ TTTT MDSH MDHL. */
const GROUP_OF = {
  transparency: 'CKMB',
  'dvc-progress-tree': 'TDGQ',
  'provide-online-tree': 'CLGQ',
  'formality-online-payment-tree': 'TTTT',
  'dossier-digitized': 'MDSH',
  'handling-satisfaction': 'MDHL',
} as const;
const YEAR: Period = { type: 'year', year: 2026, number: 0 };
const AU_CO = '019d2be3-6ab4-74ce-8a81-40ae8b8695ae'; // UBND Phường Âu Cơ (H44.111)
const VP_UBND = '019d2be3-6a88-732b-8b17-bb1e9a3f14ab'; // Văn phòng UBND Tỉnh (H44.01)

// biome-ignore lint/suspicious/noExplicitAny: the test edits real bodies freely, as a changed portal might
type LooseJson = Record<string, any>;

const json = (rel: string): LooseJson => JSON.parse(readRecording(rel).toString('utf8'));
const component = (call: (typeof COMPONENTS)[number]) => `qd766-phutho-2026-09/${call}/year-all.json`;

function phuTho(captures: CaptureBody[]): AssembleInput {
  return { provinceId: PHU_THO_ID, provinceCode: 'H44', reportDate: '2026-09-26', period: YEAR, captures };
}

/** The recorded Phú Thọ run: six component calls and the national list, no own service-results. */
function recordedRun(except: CallName[] = []): CaptureBody[] {
  const out: CaptureBody[] = [{ call: 'national', page: 1, body: readRecording(NATIONAL) }];
  for (const c of COMPONENTS) out.push({ call: c, page: 1, body: readRecording(component(c)) });
  return out.filter((c) => !except.includes(c.call));
}

/**
 * A per-province service-results body for Phú Thọ built from its real component rows (the
 * recordings lack this call): each unit's total is the sum of its six recorded groups.
 */
function phuThoServiceResults(edit: (rows: LooseJson[]) => void = () => {}): string {
  const groups = new Map<string, number>();
  for (const c of COMPONENTS) {
    const d = json(component(c)).data;
    for (const r of d.evaluation ?? d.children)
      groups.set(r.departmentId, (groups.get(r.departmentId) ?? 0) + (r.totalScore ?? r.score));
  }
  const rows: LooseJson[] = json(component('dvc-progress-tree')).data.children.map((r: LooseJson) => ({
    departmentId: r.departmentId,
    departmentName: r.departmentName,
    departmentCode: r.departmentCode,
    totalScore: Math.round(groups.get(r.departmentId)! * 100) / 100,
    ratio: Math.round(groups.get(r.departmentId)! * 100) / 100,
    scoreDelta: null,
    childGroup: r.level === 'COMMUNE' ? 'COMMUNE' : 'AGENCY',
  }));
  edit(rows);
  return JSON.stringify({
    code: 'OK',
    data: {
      overview: {
        departmentName: 'UBND tỉnh Phú Thọ',
        departmentCode: 'H44',
        totalScore: 61.89,
        totalMaxScore: 100,
        ratio: 61.89,
      },
      evaluation: rows,
    },
    message: 'OK',
  });
}

const scoresOf = (day: ProvinceDay, unitId: string) => day.scores.filter((s) => s.unitId === unitId);

describe('assembleProvinceDay: the recorded Phú Thọ run (no own service-results)', () => {
  const day = assembleProvinceDay(phuTho(recordedRun()));

  it('reports the missing call and nothing else', () => {
    expect(day.problems).toEqual([
      { kind: 'missing-call', call: 'service-results', message: 'service-results: no answer in this run' },
    ]);
  });

  it('puts the province first with its national total, rank and six groups', () => {
    expect(day.units[0]).toEqual({
      id: PHU_THO_ID,
      code: 'H44',
      name: 'UBND tỉnh Phú Thọ',
      kind: 'province',
      parentId: null,
    });
    const byGroup = Object.fromEntries(
      scoresOf(day, PHU_THO_ID).map((s) => [s.group, [s.score, s.maxScore]]),
    );
    expect(byGroup).toEqual({
      TOTAL: [61.89, 100],
      CKMB: [7.96, 18],
      TDGQ: [17.68, 20],
      CLGQ: [8.56, 12],
      TTTT: [6.67, 10],
      MDSH: [9.59, 22],
      MDHL: [11.43, 18],
    });
    expect(scoresOf(day, PHU_THO_ID)[0]).toMatchObject({ group: 'TOTAL', rank: 16, rankOf: 34 });
    // The component's data-quality flag still describes the national CKMB figure.
    expect(scoresOf(day, PHU_THO_ID).find((s) => s.group === 'CKMB')?.flags).toEqual([
      'TEMP_NATIONAL_REPORT_DENOMINATOR',
    ]);
  });

  it('lists every agency and commune with six groups and no invented TOTAL', () => {
    const units = day.units.slice(1);
    expect(units.filter((u) => u.kind === 'agency')).toHaveLength(15);
    expect(units.filter((u) => u.kind === 'commune')).toHaveLength(148);
    // Agencies before communes.
    expect(units.findIndex((u) => u.kind === 'commune')).toBe(15);
    for (const u of units) {
      expect(u.parentId).toBe(PHU_THO_ID);
      expect(scoresOf(day, u.id).map((s) => s.group)).toEqual([...GROUP_CODES]);
    }
    expect(day.scores.filter((s) => s.group === 'TOTAL')).toHaveLength(1);
    // Codes come from the rows that carry them (Shape-A transparency rows have none).
    expect(day.units.find((u) => u.id === AU_CO)?.code).toBe('H44.111');
    const auCo = Object.fromEntries(scoresOf(day, AU_CO).map((s) => [s.group, s.score]));
    expect(auCo).toEqual({ CKMB: 7.96, TDGQ: 18.56, CLGQ: 6.35, TTTT: 6.58, MDSH: 9.58, MDHL: 6 });
  });

  it('keeps every metric, the province first', () => {
    expect(day.metrics[0]?.unitId).toBe(PHU_THO_ID);
    expect(day.metrics.filter((m) => m.unitId === AU_CO).map((m) => `${m.group}:${m.code}`)).toContain(
      'TTTT:ONLINE_PAYMENT_DOSSIERS',
    );
    // 4 + 7 + 5 Shape-A metrics per unit and province, 2 (1 for the parent) progress, 3 payment, 4 online on the parent.
    expect(day.metrics).toHaveLength(164 * (4 + 7 + 5) + 163 * 2 + 1 + 164 * 3 + 4);
  });

  it('gives the same answer twice', () => {
    expect(assembleProvinceDay(phuTho(recordedRun()))).toEqual(day);
  });
});

describe('assembleProvinceDay: gaps and disagreements', () => {
  it('without the national list: TOTAL from the own list, groups from the component overviews', () => {
    const day = assembleProvinceDay(
      phuTho([
        ...recordedRun(['national']),
        { call: 'service-results', page: 1, body: phuThoServiceResults() },
      ]),
    );
    expect(day.problems.map((p) => [p.kind, p.call])).toEqual([['missing-call', 'national']]);
    const province = scoresOf(day, PHU_THO_ID);
    expect(province[0]).toMatchObject({ group: 'TOTAL', score: 61.89, rank: null, rankOf: null });
    expect(province.find((s) => s.group === 'MDSH')).toMatchObject({ score: 9.59, maxScore: 22 });
    // Units now have a TOTAL, ranked within agencies and within communes.
    const vp = scoresOf(day, VP_UBND)[0]!;
    expect(vp).toMatchObject({ group: 'TOTAL', rankOf: 15 });
    expect(vp.score).toBe(Math.round((7.96 + 19.38 + 6 + 0 + 4.43 + 18) * 100) / 100);
    expect(scoresOf(day, AU_CO)[0]).toMatchObject({ group: 'TOTAL', rankOf: 148 });
    expect(scoresOf(day, AU_CO)).toHaveLength(7);
  });

  it('ranks with ties sharing a rank and null totals unranked', () => {
    const day = assembleProvinceDay(
      phuTho([
        ...recordedRun(),
        {
          call: 'service-results',
          page: 1,
          body: phuThoServiceResults((rows) => {
            const agencies = rows.filter((r) => r.childGroup === 'AGENCY');
            agencies[0]!.totalScore = 99;
            agencies[1]!.totalScore = 99;
            agencies[2]!.totalScore = null;
          }),
        },
      ]),
    );
    const totals = day.scores.filter(
      (s) => s.group === 'TOTAL' && day.units.find((u) => u.id === s.unitId)?.kind === 'agency',
    );
    expect(totals.map((s) => s.rank).sort((a, b) => (a ?? 1e9) - (b ?? 1e9))).toEqual([
      1,
      1,
      ...Array.from({ length: 12 }, (_, i) => i + 3),
      null,
    ]);
    expect(totals.find((s) => s.score === null)).toMatchObject({ rank: null, rankOf: 15 });
  });

  it('reports a unit absent from one group list, and one only a group list knows', () => {
    const transparency = json(component('transparency'));
    transparency.data.evaluation = transparency.data.evaluation.filter(
      (r: LooseJson) => r.departmentId !== AU_CO,
    );
    const captures = recordedRun(['transparency']);
    captures.push({ call: 'transparency', page: 1, body: JSON.stringify(transparency) });
    captures.push({
      call: 'service-results',
      page: 1,
      body: phuThoServiceResults((rows) => {
        rows.splice(
          rows.findIndex((r) => r.departmentId === VP_UBND),
          1,
        );
      }),
    });
    const day = assembleProvinceDay(phuTho(captures));
    expect(day.problems.filter((p) => p.kind === 'missing-unit')).toEqual([
      {
        kind: 'missing-unit',
        call: 'transparency',
        unitId: AU_CO,
        group: 'CKMB',
        message: 'UBND Phường Âu Cơ (H44.111) is missing from transparency (CKMB)',
      },
    ]);
    const unknown = day.problems.filter((p) => p.kind === 'unknown-unit');
    expect(unknown.map((p) => [p.unitId, p.call, p.group])).toEqual(
      COMPONENTS.map((c) => [VP_UBND, c, GROUP_OF[c]]),
    );
    // The unknown unit is still there, kind from its rows, with six groups and no TOTAL.
    expect(day.units.find((u) => u.id === VP_UBND)).toMatchObject({ kind: 'agency', parentId: PHU_THO_ID });
    expect(scoresOf(day, VP_UBND).map((s) => s.group)).toEqual([...GROUP_CODES]);
    // Âu Cơ has TOTAL and five groups, no CKMB (not zero-filled).
    expect(scoresOf(day, AU_CO).map((s) => s.group)).toEqual([
      'TOTAL',
      'TDGQ',
      'CLGQ',
      'TTTT',
      'MDSH',
      'MDHL',
    ]);
  });

  it('reports province figures that disagree between calls', () => {
    const payment = json(component('formality-online-payment-tree'));
    payment.data.parent.totalScore = 6.66;
    const captures = recordedRun(['formality-online-payment-tree']);
    captures.push({ call: 'formality-online-payment-tree', page: 1, body: JSON.stringify(payment) });
    captures.push({ call: 'service-results', page: 1, body: phuThoServiceResults() });
    const national = json(NATIONAL);
    national.data.evaluation.find((r: LooseJson) => r.departmentId === PHU_THO_ID).totalScore = 61.9;
    captures[0] = { call: 'national', page: 1, body: JSON.stringify(national) };
    const day = assembleProvinceDay(phuTho(captures));
    expect(day.problems.filter((p) => p.kind === 'province-mismatch')).toEqual([
      {
        kind: 'province-mismatch',
        call: 'service-results',
        unitId: PHU_THO_ID,
        message: "TOTAL: national list says 61.90, the province's own list 61.89",
      },
      {
        kind: 'province-mismatch',
        call: 'formality-online-payment-tree',
        unitId: PHU_THO_ID,
        group: 'TTTT',
        message: 'TTTT: national list says 6.67, formality-online-payment-tree says 6.66',
      },
    ]);
    // The national figure is kept (the ranking uses it).
    expect(scoresOf(day, PHU_THO_ID).find((s) => s.group === 'TTTT')?.score).toBe(6.67);
  });

  it('takes the maxima from the component and own-list answers: a formula change is a new max, not a fall', () => {
    const payment = json(component('formality-online-payment-tree'));
    payment.data.parent.totalMaxScore = 12;
    const captures = recordedRun(['formality-online-payment-tree']);
    captures.push({ call: 'formality-online-payment-tree', page: 1, body: JSON.stringify(payment) });
    const own = JSON.parse(phuThoServiceResults());
    own.data.overview.totalMaxScore = 102;
    captures.push({ call: 'service-results', page: 1, body: JSON.stringify(own) });
    const day = assembleProvinceDay(phuTho(captures));
    const province = scoresOf(day, PHU_THO_ID);
    // Score from the national list (the ranking's figure), maximum from the answers that carry one.
    expect(province.find((s) => s.group === 'TTTT')).toMatchObject({ score: 6.67, maxScore: 12 });
    expect(province.find((s) => s.group === 'TOTAL')).toMatchObject({ maxScore: 102, rankOf: 34 });
    expect(province.find((s) => s.group === 'MDSH')?.maxScore).toBe(22);
    expect(scoresOf(day, AU_CO).find((s) => s.group === 'TOTAL')?.maxScore).toBe(102);
  });

  it('Gia Lai from its two service-results calls: national rank, own list, six missing component calls', () => {
    const day = assembleProvinceDay({
      provinceId: GIA_LAI_ID,
      provinceCode: 'H21',
      reportDate: '2026-09-23',
      period: YEAR,
      captures: [
        { call: 'national', page: 1, body: readRecording(NATIONAL) },
        { call: 'service-results', page: 1, body: readRecording(GIA_LAI) },
      ],
    });
    expect(day.problems.filter((p) => p.kind === 'missing-call').map((p) => p.call)).toEqual([...COMPONENTS]);
    // The recordings are from different days: 64.98 on 27/09 nationally, 62.74 in the own list.
    expect(day.problems.filter((p) => p.kind === 'province-mismatch')).toHaveLength(1);
    expect(scoresOf(day, GIA_LAI_ID)[0]).toMatchObject({ group: 'TOTAL', score: 64.98, rank: 6, rankOf: 34 });
    expect(scoresOf(day, GIA_LAI_ID).find((s) => s.group === 'TTTT')).toMatchObject({
      score: 6.99,
      maxScore: 10,
    });
    expect(day.units).toHaveLength(150);
    expect(day.units.filter((u) => u.kind === 'agency')).toHaveLength(14);
    expect(day.units.filter((u) => u.kind === 'commune')).toHaveLength(135);
    expect(day.scores).toHaveLength(7 + 149);
    expect(day.metrics).toEqual([]);
  });

  it('merges pages of one call, and reports a page that did not come', () => {
    const whole = json(component('transparency'));
    const pageOf = (n: number, rows: LooseJson[]) =>
      JSON.stringify({
        ...whole,
        data: {
          ...whole.data,
          evaluation: rows,
          pagination: { total: 163, currentPage: n, pageSize: 100, totalPages: 2 },
        },
      });
    const page1 = pageOf(1, whole.data.evaluation.slice(0, 100));
    const page2 = pageOf(2, whole.data.evaluation.slice(100));
    const base = recordedRun(['transparency']);
    const reference = assembleProvinceDay(phuTho(recordedRun()));
    const paged = assembleProvinceDay(
      phuTho([
        ...base,
        { call: 'transparency', page: 2, body: page2 },
        { call: 'transparency', page: 1, body: page1 },
      ]),
    );
    expect(paged.units).toEqual(reference.units);
    expect(paged.scores).toEqual(reference.scores);
    expect(paged.problems).toEqual(reference.problems);

    const partial = assembleProvinceDay(phuTho([...base, { call: 'transparency', page: 1, body: page1 }]));
    expect(partial.problems.filter((p) => p.kind === 'missing-call' && p.call === 'transparency')).toEqual([
      {
        kind: 'missing-call',
        call: 'transparency',
        message: 'transparency: page(s) 2 of 2 have no answer; units on them are missing',
      },
    ]);
    expect(partial.problems.filter((p) => p.kind === 'missing-unit' && p.group === 'CKMB')).toHaveLength(63);
  });

  it('a capture that does not parse is a missing call: nothing of it is used, the rest is assembled', () => {
    const captures = recordedRun(['dossier-digitized']);
    captures.push({
      call: 'dossier-digitized',
      page: 1,
      body: '<html><title>Request Rejected</title></html>',
    });
    const day = assembleProvinceDay(phuTho(captures));
    const reference = assembleProvinceDay(phuTho(recordedRun(['dossier-digitized'])));
    const unusable = day.problems.filter((p) => p.kind === 'missing-call' && p.call === 'dossier-digitized');
    expect(unusable).toHaveLength(1);
    expect(unusable[0]).toMatchObject({ call: 'dossier-digitized' });
    expect(unusable[0]?.message).toMatch(/^dossier-digitized: unusable answer \(/);
    // the same day as one where that call never answered
    expect(day.scores).toEqual(reference.scores);
    expect(day.units).toEqual(reference.units);
    expect(day.answered).not.toContain('MDSH');
  });
});

describe('assembleProvinceDay: what the answers did not send stays unsent, unusable values are said once', () => {
  it('a period with no answers: the province has no name (never its code as a stand-in) and no group is answered', () => {
    const day = assembleProvinceDay(phuTho([]));
    expect(day.units).toEqual([
      { id: PHU_THO_ID, code: 'H44', name: null, kind: 'province', parentId: null },
    ]);
    expect(day.scores).toEqual([]);
    expect(day.answered).toEqual([]);
    expect(day.problems.map((p) => p.kind)).toEqual(Array(8).fill('missing-call'));
  });

  it('names the groups whose answers came in full (a failed call or a missing page leaves its group out)', () => {
    const all = assembleProvinceDay(
      phuTho([...recordedRun(), { call: 'service-results', page: 1, body: phuThoServiceResults() }]),
    );
    expect(all.answered).toEqual(['TOTAL', ...GROUP_CODES]);
    expect(assembleProvinceDay(phuTho(recordedRun(['handling-satisfaction']))).answered).toEqual([
      'CKMB',
      'TDGQ',
      'CLGQ',
      'TTTT',
      'MDSH',
    ]);
    const whole = json(component('transparency'));
    const page1 = JSON.stringify({
      ...whole,
      data: { ...whole.data, pagination: { total: 300, currentPage: 1, pageSize: 200, totalPages: 2 } },
    });
    const partial = assembleProvinceDay(
      phuTho([...recordedRun(['transparency']), { call: 'transparency', page: 1, body: page1 }]),
    );
    expect(partial.answered).not.toContain('CKMB');
  });

  it('one unit with a NUL byte in its name in all seven lists: one problem, the name left unset, every score kept', () => {
    const victim = VP_UBND;
    const nul = (rows: LooseJson[]) => {
      for (const r of rows) if (r.departmentId === victim) r.departmentName = 'Văn phòng UBND Tỉnh\u0000';
    };
    const captures: CaptureBody[] = [{ call: 'national', page: 1, body: readRecording(NATIONAL) }];
    for (const c of COMPONENTS) {
      const j = json(component(c));
      nul(j.data.evaluation ?? j.data.children);
      captures.push({ call: c, page: 1, body: JSON.stringify(j) });
    }
    captures.push({ call: 'service-results', page: 1, body: phuThoServiceResults(nul) });
    const day = assembleProvinceDay(phuTho(captures));
    const clean = assembleProvinceDay(
      phuTho([...recordedRun(), { call: 'service-results', page: 1, body: phuThoServiceResults() }]),
    );
    expect(day.units.find((u) => u.id === victim)?.name).toBeNull();
    expect(day.scores).toEqual(clean.scores);
    const refused = day.problems.filter((p) => p.kind === 'invalid-value');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      unitId: victim,
      field: 'departmentName',
      value: '"Văn phòng UBND Tỉnh\\x00"',
    });
    expect(refused[0]!.message).toContain('(the same in 6 other answers)');
  });

  it('a unit on two pages with different figures: its score is null and a duplicate-unit problem says both', () => {
    const whole = json(component('transparency'));
    const rows: LooseJson[] = whole.data.evaluation;
    const pageOf = (n: number, list: LooseJson[]) =>
      JSON.stringify({
        ...whole,
        data: {
          ...whole.data,
          evaluation: list,
          pagination: { total: 164, currentPage: n, pageSize: 100, totalPages: 2 },
        },
      });
    const moved = { ...rows[0], totalScore: 1.11 };
    const day = assembleProvinceDay(
      phuTho([
        ...recordedRun(['transparency']),
        { call: 'transparency', page: 1, body: pageOf(1, rows.slice(0, 100)) },
        { call: 'transparency', page: 2, body: pageOf(2, [moved, ...rows.slice(100)]) },
      ]),
    );
    expect(
      day.scores.find((s) => s.unitId === rows[0]!.departmentId && s.group === 'CKMB')?.score,
    ).toBeNull();
    expect(day.problems.filter((p) => p.kind === 'duplicate-unit')).toEqual([
      expect.objectContaining({
        call: 'transparency',
        unitId: rows[0]!.departmentId,
        group: 'CKMB',
        field: 'scores',
      }),
    ]);
  });
});
