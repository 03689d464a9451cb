import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GROUP_CODES } from '../../src/domain.js';
import { InputError, PortalFormatError } from '../../src/errors.js';
import { parseCapture } from '../../src/source/parse-capture.js';
import { type CallName, provinceByCode } from '../../src/source/requests.js';
import type { ParsedCapture } from '../../src/source/types.js';
import { GIA_LAI_ID, PHU_THO_ID, RECORDINGS_DIR, readRecording } from '../helpers/recordings.js';

const NATIONAL = 'crawler766-national-2026-09/service-results/year-2026-national-20260927.json';
const GIA_LAI = 'crawler766-provinces-2026-09/service-results/year-2026-root-H21.json';
const PT = (f: string) => `qd766-phutho-2026-09/${f}`;
const AU_CO = '019d2be3-6ab4-74ce-8a81-40ae8b8695ae'; // UBND Phường Âu Cơ (H44.111), a commune of Phú Thọ
const THANH_TRA = '019dbaea-ba8c-7590-b600-ebfd02309c8c'; // Thanh tra tỉnh (H44.23), an agency of Phú Thọ

/** Which call produced a recording, from its folder and file name. */
function callOf(rel: string): { call: CallName; provinceId?: string } {
  const endpoint = rel.split('/').at(-2)!;
  if (endpoint === 'service-results') {
    if (/national/.test(rel)) return { call: 'national' };
    const code = /root-(H\d{2})/.exec(rel)?.[1];
    return { call: 'service-results', provinceId: provinceByCode(code!)!.id };
  }
  return { call: endpoint as CallName };
}

/** Every response in the recordings folder; not responses: the manifest, the catalogues, the formalities API. */
function responseFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.json'))
        out.push(path.relative(RECORDINGS_DIR, full).split(path.sep).join('/'));
    }
  };
  walk(RECORDINGS_DIR);
  return out
    .filter(
      (f) =>
        !f.endsWith('manifest.m0.json') &&
        !f.includes('/catalog/') &&
        !f.endsWith('formalities/page-last.json'),
    )
    .sort();
}

/**
 * What each recording holds, counted from the files with a script (units by kind, the
 * province's score in the file's group).
 */
const EXPECTED: Record<
  string,
  {
    province: number;
    agency: number;
    commune: number;
    group: string;
    provinceScore: number | null;
    max: number;
  }
> = {
  [NATIONAL]: { province: 34, agency: 0, commune: 0, group: 'TOTAL', provinceScore: null, max: 100 },
  [GIA_LAI]: { province: 1, agency: 14, commune: 135, group: 'TOTAL', provinceScore: 62.74, max: 100 },
  [PT('transparency/year-all.json')]: {
    province: 1,
    agency: 15,
    commune: 148,
    group: 'CKMB',
    provinceScore: 7.96,
    max: 18,
  },
  [PT('dvc-progress-tree/year-all.json')]: {
    province: 1,
    agency: 15,
    commune: 148,
    group: 'TDGQ',
    provinceScore: 17.68,
    max: 20,
  },
  [PT('provide-online-tree/year-all.json')]: {
    province: 1,
    agency: 15,
    commune: 148,
    group: 'CLGQ',
    provinceScore: 8.56,
    max: 12,
  },
  [PT('formality-online-payment-tree/year-all.json')]: {
    province: 1,
    agency: 15,
    commune: 148,
    group: 'TTTT',
    provinceScore: 6.67,
    max: 10,
  },
  [PT('formality-online-payment-tree/month-all.json')]: {
    province: 1,
    agency: 15,
    commune: 148,
    group: 'TTTT',
    provinceScore: 6.25,
    max: 10,
  },
  [PT('dossier-digitized/year-all.json')]: {
    province: 1,
    agency: 15,
    commune: 148,
    group: 'MDSH',
    provinceScore: 9.59,
    max: 22,
  },
  [PT('handling-satisfaction/year-all.json')]: {
    province: 1,
    agency: 15,
    commune: 148,
    group: 'MDHL',
    provinceScore: 11.43,
    max: 18,
  },
};

function parseRecording(rel: string): ParsedCapture {
  const { call, provinceId } = callOf(rel);
  return parseCapture(call, readRecording(rel), provinceId ? { provinceId } : {});
}

// biome-ignore lint/suspicious/noExplicitAny: the test edits real bodies freely, as a changed portal might
type LooseJson = Record<string, any>;

/** A real body, changed by `fn` (to build the faults the portal may send). */
function mutated(rel: string, fn: (json: { code?: unknown; data: LooseJson }) => void): string {
  const json = JSON.parse(readRecording(rel).toString('utf8'));
  fn(json);
  return JSON.stringify(json);
}

function formatErrorOf(fn: () => unknown): PortalFormatError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PortalFormatError) return e;
    throw e;
  }
  throw new Error('expected a PortalFormatError, nothing was thrown');
}

const score = (p: ParsedCapture, unitId: string, group: string) =>
  p.scores.find((s) => s.unitId === unitId && s.group === group);
const metric = (p: ParsedCapture, unitId: string, code: string) =>
  p.metrics.find((m) => m.unitId === unitId && m.code === code);

describe('every recorded response parses', () => {
  const files = responseFiles();

  it('has an expectation for every response file in the recordings folder', () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(files)('%s', (rel) => {
    const parsed = parseRecording(rel);
    const want = EXPECTED[rel]!;
    const count = (k: string) => parsed.units.filter((u) => u.kind === k).length;
    expect({ province: count('province'), agency: count('agency'), commune: count('commune') }).toEqual({
      province: want.province,
      agency: want.agency,
      commune: want.commune,
    });
    // Every unit has exactly one score in the file's group (national: TOTAL + the six groups).
    const perUnit = rel === NATIONAL ? 7 : 1;
    expect(parsed.scores).toHaveLength(parsed.units.length * perUnit);
    for (const u of parsed.units) expect(u.name).toBe(u.name?.normalize('NFC'));
    expect(parsed.problems).toEqual([]);
    if (want.provinceScore !== null) {
      const province = parsed.units.find((u) => u.kind === 'province')!;
      expect(score(parsed, province.id, want.group)).toMatchObject({
        score: want.provinceScore,
        maxScore: want.max,
      });
    }
    // Units of a province point at it.
    const province = parsed.units.find((u) => u.kind === 'province');
    if (rel !== NATIONAL)
      for (const u of parsed.units) if (u.kind !== 'province') expect(u.parentId).toBe(province!.id);
  });
});

describe('national list', () => {
  const parsed = parseRecording(NATIONAL);

  it('ranks the 34 provinces and keeps their six groups', () => {
    expect(parsed.units).toHaveLength(34);
    const dienBien = parsed.units.find((u) => u.code === 'H18')!;
    expect(dienBien).toEqual({
      id: '019d2be3-6a85-74ec-a341-16615c474af4',
      code: 'H18',
      name: 'UBND tỉnh Điện Biên',
      kind: 'province',
      parentId: null,
    });
    expect(score(parsed, dienBien.id, 'TOTAL')).toEqual({
      unitId: dienBien.id,
      group: 'TOTAL',
      score: 60.15,
      maxScore: 100,
      rank: 24,
      rankOf: 34,
      flags: [],
      scoreDelta: 15.99,
    });
    expect(score(parsed, dienBien.id, 'TDGQ')).toMatchObject({ score: 18.92, maxScore: 20 });
    const phuTho = PHU_THO_ID;
    expect(score(parsed, phuTho, 'TOTAL')).toMatchObject({ score: 61.89, rank: 16, rankOf: 34 });
    const groups = Object.fromEntries(GROUP_CODES.map((g) => [g, score(parsed, phuTho, g)?.score]));
    expect(groups).toEqual({ CKMB: 7.96, TDGQ: 17.68, CLGQ: 8.56, TTTT: 6.67, MDSH: 9.59, MDHL: 11.43 });
    expect(score(parsed, phuTho, 'MDSH')?.maxScore).toBe(22);
  });

  it('keeps the overview, radar, donuts and charts exactly as the portal gave them', () => {
    const raw = JSON.parse(readRecording(NATIONAL).toString('utf8')).data;
    expect(parsed.extras.overview).toEqual({
      departmentName: 'Cả nước',
      departmentCode: null,
      totalScore: 61.56,
      totalMaxScore: 100,
      ratio: 61.56,
    });
    for (const k of ['growthPercent', 'radar', 'donuts', 'monthlyChart', 'dossierChart'])
      expect(parsed.extras[k]).toEqual(raw[k]);
  });

  it('gives tied totals the same rank (competition ranking) whatever the row order', () => {
    const body = mutated(NATIONAL, (j) => {
      const rows = j.data.evaluation;
      rows[2].totalScore = rows[1].totalScore; // 2nd and 3rd tie
      rows.reverse();
    });
    const p = parseCapture('national', body);
    const ranks = p.scores
      .filter((s) => s.group === 'TOTAL')
      .map((s) => s.rank!)
      .sort((a, b) => a - b);
    expect(ranks.slice(0, 4)).toEqual([1, 2, 2, 4]);
    expect(ranks.at(-1)).toBe(34);
  });

  it('comes out NFC when the portal sends NFD names', () => {
    const body = mutated(NATIONAL, (j) => {
      for (const r of j.data.evaluation) r.departmentName = r.departmentName.normalize('NFD');
    });
    expect(body).toContain('An Giang'.normalize('NFD'));
    const p = parseCapture('national', body);
    const anGiang = p.units.find((u) => u.code === 'H01')!;
    expect(anGiang.name).toBe('UBND tỉnh An Giang');
    expect(anGiang.name).not.toBe('UBND tỉnh An Giang'.normalize('NFD'));
  });
});

describe('one province service-results (Gia Lai H21)', () => {
  const parsed = parseRecording(GIA_LAI);

  it('reads the province overview and its 149 units with their kinds', () => {
    expect(parsed.units[0]).toEqual({
      id: GIA_LAI_ID,
      code: 'H21',
      name: 'UBND tỉnh Gia Lai',
      kind: 'province',
      parentId: null,
    });
    expect(parsed.units.slice(1)).toHaveLength(149);
    const first = parsed.units.find((u) => u.code === 'H21.17')!;
    expect(first).toMatchObject({ kind: 'agency', name: 'Sở Văn hóa, Thể thao và Du lịch - tỉnh Gia Lai' });
    // Agencies use small code numbers, communes 100+: the portal's childGroup agrees.
    for (const u of parsed.units.slice(1)) {
      const n = Number(u.code!.split('.')[1]);
      expect(u.kind).toBe(n >= 100 ? 'commune' : 'agency');
    }
  });

  it('ranks agencies and communes separately, keeps a null scoreDelta null', () => {
    const totals = parsed.scores.filter((s) => s.group === 'TOTAL' && s.unitId !== GIA_LAI_ID);
    expect(totals).toHaveLength(149);
    const kindOf = new Map(parsed.units.map((u) => [u.id, u.kind]));
    const agencies = totals.filter((s) => kindOf.get(s.unitId) === 'agency');
    expect(agencies.every((s) => s.rankOf === 14)).toBe(true);
    expect(totals.filter((s) => kindOf.get(s.unitId) === 'commune').every((s) => s.rankOf === 135)).toBe(
      true,
    );
    const best = agencies.find((s) => s.rank === 1)!;
    expect(best.score).toBe(Math.max(...agencies.map((s) => s.score!)));
    expect(totals.every((s) => s.scoreDelta === null && s.maxScore === 100)).toBe(true);
    expect(score(parsed, GIA_LAI_ID, 'TOTAL')).toMatchObject({ score: 62.74, maxScore: 100, rank: null });
  });

  it('falls back on the code suffix when childGroup is absent', () => {
    const body = mutated(GIA_LAI, (j) => {
      for (const r of j.data.evaluation) delete r.childGroup;
    });
    const p = parseCapture('service-results', body, { provinceId: GIA_LAI_ID });
    expect(p.units.filter((u) => u.kind === 'agency')).toHaveLength(14);
    expect(p.units.filter((u) => u.kind === 'commune')).toHaveLength(135);
  });

  it("infers the province from its units' codes (H21.xx → Gia Lai); the id given overrides", () => {
    const inferred = parseCapture('service-results', readRecording(GIA_LAI));
    expect(inferred.units[0]).toMatchObject({ id: GIA_LAI_ID, kind: 'province', code: 'H21' });
    expect(inferred.units.slice(1).every((u) => u.parentId === GIA_LAI_ID)).toBe(true);
    const given = parseCapture('service-results', readRecording(GIA_LAI), { provinceId: PHU_THO_ID });
    expect(given.units[0]!.id).toBe(PHU_THO_ID);
  });

  it('needs the province id when the codes do not tell it (none, several, or not catalogued)', () => {
    const without = mutated(GIA_LAI, (j) => {
      delete j.data.overview.departmentCode;
      for (const r of j.data.evaluation) delete r.departmentCode;
    });
    const mixed = mutated(GIA_LAI, (j) => {
      j.data.evaluation[3].departmentCode = 'H44.03';
    });
    const unknown = mutated(GIA_LAI, (j) => {
      delete j.data.overview.departmentCode;
      for (const r of j.data.evaluation) r.departmentCode = String(r.departmentCode).replace('H21', 'H99');
    });
    for (const [body, says] of [
      [without, 'no codes'],
      [mixed, 'H21, H44'],
      [unknown, 'H99'],
    ] as const) {
      const err = (() => {
        try {
          parseCapture('service-results', body);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).field).toBe('provinceId');
      expect((err as Error).message).toContain(says);
      expect((err as Error).message).toContain('--province-id');
    }
    expect(() => parseCapture('service-results', readRecording(GIA_LAI), { provinceId: 'H21' })).toThrow(
      InputError,
    );
  });
});

describe('Shape A (transparency, dossier-digitized, handling-satisfaction)', () => {
  it('transparency: CKMB with metrics and data-quality flags', () => {
    const p = parseRecording(PT('transparency/year-all.json'));
    expect(p.pagination).toEqual({ total: 163, currentPage: 1, pageSize: 200, totalPages: 1 });
    expect(p.units.find((u) => u.id === AU_CO)).toEqual({
      id: AU_CO,
      code: null, // transparency rows carry no departmentCode
      name: 'UBND Phường Âu Cơ',
      kind: 'commune',
      parentId: PHU_THO_ID,
    });
    expect(score(p, AU_CO, 'CKMB')).toEqual({
      unitId: AU_CO,
      group: 'CKMB',
      score: 7.96,
      maxScore: 18,
      rank: null,
      rankOf: null,
      flags: ['TEMP_NATIONAL_REPORT_DENOMINATOR'],
      scoreDelta: null,
    });
    expect(p.metrics.filter((m) => m.unitId === AU_CO).map((m) => m.code)).toEqual([
      'PUBLISH_ON_TIME',
      'PUBLIC_UPDATE_ON_TIME',
      'PUBLIC_CONTENT_FULL',
      'DOSSIER_SYNC',
    ]);
    expect(metric(p, AU_CO, 'DOSSIER_SYNC')).toEqual({
      unitId: AU_CO,
      group: 'CKMB',
      code: 'DOSSIER_SYNC',
      name: 'Tỷ lệ hồ sơ đồng bộ lên Cổng DVCQG',
      numerator: 2482,
      denominator: 2482,
      ratio: 100,
      score: 6,
      maxScore: 6,
      qualityStatus: 'TEMP_NATIONAL_REPORT_DENOMINATOR',
      qualityMessage: 'Mẫu số BCQG/GRIS đang dùng số tạm, cần thay bằng dữ liệu crawl hệ thống cũ.',
    });
    // An agency without national data: ratio and score null, not 0.
    expect(metric(p, THANH_TRA, 'DOSSIER_SYNC')).toMatchObject({
      numerator: 0,
      denominator: 0,
      ratio: null,
      score: null,
      maxScore: 6,
      qualityStatus: 'NO_NATIONAL_REPORT_DATA',
    });
    expect(score(p, THANH_TRA, 'CKMB')).toMatchObject({ score: 1.96, flags: ['NO_NATIONAL_REPORT_DATA'] });
    expect(p.extras.overview).toEqual(
      JSON.parse(readRecording(PT('transparency/year-all.json')).toString()).data.overview,
    );
  });

  it('handling-satisfaction: tracked-only metrics keep score null; row extras are kept', () => {
    const p = parseRecording(PT('handling-satisfaction/year-all.json'));
    expect(score(p, PHU_THO_ID, 'MDHL')).toMatchObject({ score: 11.43, maxScore: 18 });
    expect(score(p, AU_CO, 'MDHL')).toMatchObject({ score: 6, maxScore: 18, flags: [] });
    for (const code of ['PETITION_CLASSIFICATION_TTHC', 'PETITION_CLASSIFICATION_STAFF']) {
      expect(metric(p, PHU_THO_ID, code)).toMatchObject({ score: null, maxScore: 0 });
      expect(metric(p, AU_CO, code)?.score).toBeNull();
    }
    expect(metric(p, AU_CO, 'DOSSIER_RECEIVING_SATISFACTION')).toMatchObject({
      numerator: 2674,
      denominator: 2882,
      ratio: 92.78,
      score: 6,
      maxScore: 6,
    });
    const rowExtras = p.extras.rowExtras as Record<string, Record<string, unknown>>;
    expect(rowExtras[AU_CO]).toEqual({
      totalPetitions: 1,
      classifiedPetitions: 1,
      totalDossiers: 2882,
      averageScore: null,
    });
    expect(p.extras.source).toMatch(/^reporting_766_satisfaction/);
  });

  it('dossier-digitized: MDSH with codes on rows and null counts kept null', () => {
    const p = parseRecording(PT('dossier-digitized/year-all.json'));
    expect(score(p, PHU_THO_ID, 'MDSH')).toMatchObject({ score: 9.59, maxScore: 22 });
    expect(p.units.find((u) => u.id === AU_CO)?.code).toBe('H44.111');
    expect(score(p, AU_CO, 'MDSH')).toMatchObject({ score: 9.58, maxScore: 22 });
    expect(metric(p, AU_CO, 'ORIGINAL_RESULT_AVAILABLE')).toMatchObject({
      numerator: 2470,
      denominator: 2882,
      ratio: 85.7,
      score: 5.14,
      maxScore: 6,
    });
    expect(metric(p, AU_CO, 'ELECTRONIC_CERTIFIED_COPY')).toMatchObject({
      numerator: null,
      denominator: null,
      ratio: 100,
      score: 2,
    });
    expect(p.metrics.filter((m) => m.unitId === AU_CO)).toHaveLength(7);
  });
});

describe('Shape B trees', () => {
  it('dvc-progress-tree: children use score/maxScore; on-time dossiers as a derived metric', () => {
    const p = parseRecording(PT('dvc-progress-tree/year-all.json'));
    expect(score(p, PHU_THO_ID, 'TDGQ')).toMatchObject({ score: 17.68, maxScore: 20 });
    expect(score(p, AU_CO, 'TDGQ')).toMatchObject({ score: 18.56, maxScore: 20, scoreDelta: null });
    expect(p.units.find((u) => u.id === AU_CO)).toMatchObject({ code: 'H44.111', kind: 'commune' });
    expect(metric(p, AU_CO, 'ON_TIME_DOSSIERS')).toMatchObject({
      group: 'TDGQ',
      numerator: 2674,
      denominator: 2882,
      ratio: 92.78,
      score: null,
      maxScore: null,
    });
    expect(metric(p, AU_CO, 'OVERDUE_DOSSIERS')).toMatchObject({
      numerator: 208,
      denominator: 2882,
      ratio: 7.22,
    });
    expect(metric(p, PHU_THO_ID, 'ON_TIME_DOSSIERS')).toMatchObject({
      numerator: 528684,
      denominator: 597918,
    });
    expect(metric(p, PHU_THO_ID, 'OVERDUE_DOSSIERS')).toBeUndefined(); // the parent has no totalOverdue
    expect((p.extras.rowExtras as Record<string, unknown>)[AU_CO]).toEqual({ avgProcessingDays: 3.03 });
    expect(p.pagination).toBeNull();
  });

  it('provide-online-tree: CLGQ; the parent counts become metrics', () => {
    const p = parseRecording(PT('provide-online-tree/year-all.json'));
    expect(score(p, AU_CO, 'CLGQ')).toMatchObject({ score: 6.35, maxScore: 12 });
    expect(score(p, THANH_TRA, 'CLGQ')).toMatchObject({ score: 0, maxScore: 12 });
    expect(p.metrics.map((m) => [m.unitId, m.code, m.numerator, m.denominator, m.ratio])).toEqual([
      [PHU_THO_ID, 'FULL_ONLINE_FORMALITIES', 21, 89, 23.6],
      [PHU_THO_ID, 'PARTIAL_ONLINE_FORMALITIES', 31, 89, 34.83],
      [PHU_THO_ID, 'ONLINE_CHANNEL_DOSSIERS', 589496, 597894, 98.6],
      [PHU_THO_ID, 'ONLINE_ON_TIME_DOSSIERS', 522087, 589496, 88.56],
    ]);
  });

  it('formality-online-payment-tree: TTTT and the online-payment ratios', () => {
    const p = parseRecording(PT('formality-online-payment-tree/year-all.json'));
    expect(score(p, PHU_THO_ID, 'TTTT')).toMatchObject({ score: 6.67, maxScore: 10 });
    expect(score(p, AU_CO, 'TTTT')).toMatchObject({ score: 6.58, maxScore: 10 });
    expect(metric(p, AU_CO, 'ONLINE_PAYMENT_DOSSIERS')).toMatchObject({
      numerator: 1616,
      denominator: 1808,
      ratio: 89.38,
    });
    expect(metric(p, AU_CO, 'ONLINE_PAYMENT_FORMALITIES')).toMatchObject({
      numerator: 14,
      denominator: 39,
      ratio: 35.9,
    });
    expect(metric(p, PHU_THO_ID, 'ONLINE_PAYMENT_DOSSIERS')).toMatchObject({
      numerator: 309542,
      denominator: 358625,
      ratio: 86.31,
    });
    // An agency with no fee dossiers: 0/0 has no ratio (null), it is not 0 %.
    expect(metric(p, THANH_TRA, 'ONLINE_PAYMENT_DOSSIERS')).toMatchObject({
      numerator: 0,
      denominator: 0,
      ratio: null,
    });
    const month = parseRecording(PT('formality-online-payment-tree/month-all.json'));
    expect(score(month, PHU_THO_ID, 'TTTT')).toMatchObject({ score: 6.25, maxScore: 10 });
  });
});

describe('format errors name the endpoint and the field', () => {
  const transparency = PT('transparency/year-all.json');
  const cases: [string, CallName, string | Buffer, string][] = [
    [
      'a missing departmentId',
      'transparency',
      mutated(transparency, (j) => {
        delete j.data.evaluation[3].departmentId;
      }),
      'data.evaluation[3].departmentId',
    ],
    [
      'a score of the wrong type',
      'dvc-progress-tree',
      mutated(PT('dvc-progress-tree/year-all.json'), (j) => {
        j.data.children[5].score = '17,5';
      }),
      'data.children[5].score',
    ],
    [
      'a missing group in groupScores',
      'national',
      mutated(NATIONAL, (j) => {
        delete j.data.evaluation[7].groupScores.TTTT;
      }),
      'data.evaluation[7].groupScores.TTTT',
    ],
    [
      'a metric without score',
      'handling-satisfaction',
      mutated(PT('handling-satisfaction/year-all.json'), (j) => {
        delete j.data.evaluation[0].metrics[1].score;
      }),
      'data.evaluation[0].metrics[1].score',
    ],
    [
      'children that are not a list',
      'provide-online-tree',
      mutated(PT('provide-online-tree/year-all.json'), (j) => {
        j.data.children = {};
      }),
      'data.children',
    ],
    [
      'an unknown unit type',
      'dossier-digitized',
      mutated(PT('dossier-digitized/year-all.json'), (j) => {
        j.data.evaluation[2].departmentType = 'SOMETHING_NEW';
        j.data.evaluation[2].departmentLevel = 'WARD';
      }),
      'data.evaluation[2].departmentType',
    ],
    [
      'code other than OK',
      'transparency',
      JSON.stringify({ code: 'ERROR', data: null, message: 'Internal error' }),
      'code',
    ],
    ['data not an object', 'transparency', JSON.stringify({ code: 'OK', data: [], message: 'OK' }), 'data'],
    [
      'an HTML page',
      'formality-online-payment-tree',
      '<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. Your support ID is: 1234</body></html>',
      'body',
    ],
    ['truncated JSON', 'national', readRecording(NATIONAL).subarray(0, 500), 'body'],
    [
      'an answer for another province',
      'transparency',
      mutated(transparency, (j) => {
        j.data.overview.departmentId = GIA_LAI_ID;
      }),
      'data.overview.departmentId',
    ],
  ];

  it.each(cases)('%s', (_name, call, body, field) => {
    const err = formatErrorOf(() => parseCapture(call, body, { provinceId: PHU_THO_ID }));
    expect(err.endpoint).toBe(call);
    expect(err.field).toBe(field);
    expect(err.message).toContain(field);
    expect(err.message).toContain(call);
  });

  it('keeps unknown keys of the envelope and of data', () => {
    const body = mutated(transparency, (j) => {
      (j as Record<string, unknown>).traceId = 'abc';
      j.data.newThing = { a: 1 };
    });
    const p = parseCapture('transparency', body);
    expect(p.extras.envelope).toEqual({ traceId: 'abc' });
    expect(p.extras.newThing).toEqual({ a: 1 });
  });
});

describe('unusable values: nulled or their row left out, each a problem; never a format error, never stored raw', () => {
  const TR = PT('formality-online-payment-tree/year-all.json');
  const SA = PT('dossier-digitized/year-all.json');
  const problemsOf = (p: ParsedCapture) => p.problems.map((x) => `${x.kind} ${x.field} ${x.path ?? ''}`);

  it.each([
    ['a NUL byte', 'Sở Y tế\u0000'],
    ['an escape sequence', '\u001b[31mSở Y tế\u001b[0m'],
    ['a C1 control (CSI)', 'Sở\u009b2J'],
    ['a bidi override', 'Sở \u202eế t Y'],
    ['a carriage return', 'Sở Y tế\r'],
    ['a lone surrogate', 'Sở \ud800'],
    ['nothing but spaces', '   '],
  ])('a name with %s: the name is not used, the scores and metrics are kept', (_what, name) => {
    for (const [rel, call, rows] of [
      [TR, 'formality-online-payment-tree', 'children'],
      [SA, 'dossier-digitized', 'evaluation'],
      [GIA_LAI, 'service-results', 'evaluation'],
      [NATIONAL, 'national', 'evaluation'],
    ] as const) {
      let id = '';
      let want: unknown;
      const body = mutated(rel, (j) => {
        const row = j.data[rows][2];
        id = row.departmentId;
        want = row.totalScore ?? row.score;
        row.departmentName = name;
      });
      const p = parseCapture(call as CallName, body);
      const unit = p.units.find((u) => u.id === id)!;
      expect(unit.name, call).toBeNull();
      expect(p.scores.find((x) => x.unitId === id && x.score !== null)?.score, call).toBe(want);
      expect(problemsOf(p), call).toEqual([`invalid-value departmentName data.${rows}[2].departmentName`]);
      expect(p.problems[0]!.unitId).toBe(id);
      // the problem shows the value, escaped: nothing raw reaches a log, a mail or a terminal
      expect(p.problems[0]!.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    }
  });

  it.each([
    ['1e30', 1e30],
    ['99999 (over the columns, and the max)', 99999],
    ['a negative score', -0.5],
    ['above its max', 10.01],
  ])('a score of %s is stored as null, with a problem naming unit, group and value', (_what, value) => {
    let id = '';
    const body = mutated(TR, (j) => {
      id = j.data.children[4].departmentId;
      j.data.children[4].totalScore = value;
    });
    const p = parseCapture('formality-online-payment-tree', body);
    expect(p.scores.find((x) => x.unitId === id)).toMatchObject({ score: null, maxScore: 10 });
    expect(p.problems).toHaveLength(1);
    expect(p.problems[0]).toMatchObject({
      kind: 'invalid-value',
      unitId: id,
      group: 'TTTT',
      field: 'score',
      value: String(value),
      path: 'data.children[4].totalScore',
    });
    expect(p.problems[0]!.message).toContain(p.units.find((u) => u.id === id)!.name!);
    // every other unit as it was
    const clean = parseCapture('formality-online-payment-tree', readRecording(TR));
    expect(p.scores.filter((x) => x.unitId !== id)).toEqual(clean.scores.filter((x) => x.unitId !== id));
  });

  it('an unusable max (0, negative, 100000) nulls the score and the max: the score cannot be judged', () => {
    for (const max of [0, -10, 100000]) {
      const body = mutated(SA, (j) => {
        j.data.evaluation[1].totalMaxScore = max;
        j.data.evaluation[1].totalScore = 99999;
      });
      const p = parseCapture('dossier-digitized', body);
      const id = JSON.parse(body).data.evaluation[1].departmentId;
      expect(p.scores.find((x) => x.unitId === id)).toMatchObject({ score: null, maxScore: null });
      expect(p.problems.map((x) => x.field)).toEqual(['max']);
    }
  });

  it('the national list checks only what the columns hold (its maxima are assumed, a formula change may raise them)', () => {
    const body = mutated(NATIONAL, (j) => {
      j.data.evaluation[0].groupScores.TTTT = 11.5; // above the published 10: kept
      j.data.evaluation[1].groupScores.MDSH = 1e30;
      j.data.evaluation[2].totalScore = -1;
    });
    const p = parseCapture('national', body);
    const ids = JSON.parse(body).data.evaluation.map((r: { departmentId: string }) => r.departmentId);
    expect(score(p, ids[0], 'TTTT')?.score).toBe(11.5);
    expect(score(p, ids[1], 'MDSH')?.score).toBeNull();
    expect(score(p, ids[2], 'TOTAL')).toMatchObject({ score: null, rank: null });
    expect(p.problems.map((x) => `${x.group} ${x.field}`)).toEqual(['MDSH score', 'TOTAL score']);
  });

  it('a departmentId that is not a uuid leaves its row out; the province id must be one', () => {
    for (const bad of ['not-a-uuid', "1' or '1'='1", '019d2be3-6a88-732b-8b17-b68020c8553a\u0000', '']) {
      const body = mutated(TR, (j) => {
        j.data.children[0].departmentId = bad;
      });
      const p = parseCapture('formality-online-payment-tree', body);
      expect(p.units).toHaveLength(163);
      expect(problemsOf(p)).toEqual(['invalid-value departmentId data.children[0].departmentId']);
    }
    const err = formatErrorOf(() =>
      parseCapture(
        'dossier-digitized',
        mutated(SA, (j) => {
          j.data.overview.departmentId = 'H44';
        }),
      ),
    );
    expect(err.field).toBe('data.overview.departmentId');
  });

  it("a sub-metric's unusable numbers are nulled; a metric whose code is unusable is left out", () => {
    const clean = JSON.parse(readRecording(SA).toString()).data.evaluation[0];
    const codes: string[] = clean.metrics.map((m: { code: string }) => m.code);
    const body = mutated(SA, (j) => {
      const m = j.data.evaluation[0].metrics;
      m[0].numerator = -5;
      m[0].name = 'Tỷ lệ\u0000';
      m[1].code = 'X\u001b[2J';
      m[2].maxScore = 1e6;
      m[3].ratio = 1e12;
    });
    const p = parseCapture('dossier-digitized', body);
    const kept = p.metrics.filter((m) => m.unitId === clean.departmentId);
    expect(kept.map((m) => m.code)).toEqual(codes.filter((_c, i) => i !== 1));
    const byCode = (c: string) => kept.find((m) => m.code === c);
    expect(byCode(codes[0]!)).toMatchObject({ numerator: null, name: null });
    expect(byCode(codes[2]!)).toMatchObject({ maxScore: null, score: null });
    expect(byCode(codes[3]!)).toMatchObject({ ratio: null });
    expect(p.problems.map((x) => x.field).sort()).toEqual(
      [
        `metric ${codes[0]} numerator`,
        `metric ${codes[0]} name`,
        'metric code',
        `metric ${codes[2]} maxScore`,
        `metric ${codes[3]} ratio`,
      ].sort(),
    );
  });

  it('a unit listed twice: the same figures count once; different figures are nulled and said, never first-wins', () => {
    const twice = (change: (row: LooseJson) => void) =>
      mutated(TR, (j) => {
        const copy = JSON.parse(JSON.stringify(j.data.children[6]));
        change(copy);
        j.data.children.push(copy);
      });
    const same = parseCapture(
      'formality-online-payment-tree',
      twice(() => undefined),
    );
    expect(same.units).toHaveLength(164);
    expect(same.problems).toEqual([]);
    const differ = parseCapture(
      'formality-online-payment-tree',
      twice((row) => {
        row.totalScore = 1.23;
      }),
    );
    const id = JSON.parse(readRecording(TR).toString()).data.children[6].departmentId;
    expect(differ.units).toHaveLength(164);
    expect(differ.scores.filter((x) => x.unitId === id)).toEqual([
      expect.objectContaining({ score: null, maxScore: 10 }),
    ]);
    expect(differ.problems).toEqual([
      expect.objectContaining({ kind: 'duplicate-unit', unitId: id, group: 'TTTT', field: 'scores' }),
    ]);
    expect(differ.problems[0]!.message).toContain('1.23');
    // in a ranked list, the duplicate does not push the others down
    const sr = parseCapture(
      'service-results',
      mutated(GIA_LAI, (j) => {
        j.data.evaluation.push({ ...j.data.evaluation[0], totalScore: 0.5 });
      }),
    );
    const agencies = sr.scores.filter((x) => x.rankOf !== null);
    expect(new Set(agencies.map((x) => x.unitId)).size).toBe(agencies.length);
    expect(sr.problems.map((x) => x.kind)).toEqual(['duplicate-unit']);
  });
});
