/**
 * The bundled demo scenario (`scenarios/dien-bien-demo.json`): Điện Biên (H18) with 14
 * agencies and 45 communes/wards over 20 report dates (2026-11-01 … 2026-11-20), built here
 * deterministically so the JSON can be regenerated and checked:
 *
 *   npx tsx -e "import('./src/replay/demo-scenario.ts').then(m => m.writeDienBienDemo())"
 *
 * The story it tells (what the alerts should find):
 * - Sở Y tế (H18.02): online payment (TTTT) falls over three days (11-05 … 11-07), stays low,
 *   and recovers in two steps (11-12, 11-14); its paid-online dossiers fall with it.
 * - UBND xã Mường Phăng (H18.103): digitisation (MDSH) halves on 11-09 with a data-quality
 *   flag, and recovers on 11-11.
 * - UBND phường Mường Thanh (H18.101): TTTT drops on 11-15 and recovers on 11-17.
 * - Sở Tài chính (H18.03): a one-day MDSH blip on 11-03.
 * - UBND xã Sín Thầu (H18.125): satisfaction (MDHL) has no data (null) throughout — never 0.
 * - Every day a handful of units move by a few hundredths (the index is recomputed daily).
 * - Four commune names are sent in NFD, as the real portal sometimes does.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addDays, GROUP_CODES, GROUP_MAX, type GroupCode } from '../domain.js';
import { provinceByCode } from '../source/requests.js';
import { hashUnit, round2 } from './resolve.js';
import { parseScenario, type Scenario, type UnitValues } from './scenario.js';

const AGENCIES = [
  'Văn phòng UBND tỉnh',
  'Sở Y tế',
  'Sở Tài chính',
  'Sở Xây dựng',
  'Sở Nội vụ',
  'Sở Tư pháp',
  'Sở Công Thương',
  'Sở Giáo dục và Đào tạo',
  'Sở Nông nghiệp và Môi trường',
  'Sở Khoa học và Công nghệ',
  'Sở Văn hóa, Thể thao và Du lịch',
  'Sở Dân tộc và Tôn giáo',
  'Ban Quản lý các khu kinh tế',
  'Thanh tra tỉnh',
];

const COMMUNES = [
  'UBND phường Điện Biên Phủ',
  'UBND phường Mường Thanh',
  'UBND phường Mường Lay',
  'UBND xã Mường Phăng',
  'UBND xã Nà Tấu',
  'UBND xã Thanh Nưa',
  'UBND xã Thanh An',
  'UBND xã Thanh Yên',
  'UBND xã Sam Mứn',
  'UBND xã Núa Ngam',
  'UBND xã Mường Nhà',
  'UBND xã Mường Pồn',
  'UBND xã Na Son',
  'UBND xã Xa Dung',
  'UBND xã Pu Nhi',
  'UBND xã Mường Luân',
  'UBND xã Tìa Dình',
  'UBND xã Phình Giàng',
  'UBND xã Chà Tở',
  'UBND xã Nà Hỳ',
  'UBND xã Nà Bủng',
  'UBND xã Quảng Lâm',
  'UBND xã Mường Nhé',
  'UBND xã Mường Toong',
  'UBND xã Nậm Kè',
  'UBND xã Sín Thầu',
  'UBND xã Mường Chà',
  'UBND xã Na Sang',
  'UBND xã Mường Tùng',
  'UBND xã Pa Ham',
  'UBND xã Nậm Nèn',
  'UBND xã Mường Ảng',
  'UBND xã Búng Lao',
  'UBND xã Ẳng Nưa',
  'UBND xã Ẳng Tở',
  'UBND xã Tuần Giáo',
  'UBND xã Mường Mùn',
  'UBND xã Quài Tở',
  'UBND xã Chiềng Sinh',
  'UBND xã Sáng Nhè',
  'UBND xã Pú Nhung',
  'UBND xã Tủa Chùa',
  'UBND xã Sín Chải',
  'UBND xã Sính Phình',
  'UBND xã Tủa Thàng',
];

/** Communes whose names the demo portal sends in NFD. */
const NFD_CODES = new Set(['H18.105', 'H18.116', 'H18.131', 'H18.141']);

const FIRST_DAY = '2026-11-01';
const DAYS = 20;

/** A UUID-shaped id derived from the unit code (stable across regenerations). */
function idOf(code: string): string {
  const n = Number(code.split('.')[1]);
  return `019d2be3-6a95-7d18-8000-${n.toString(16).padStart(12, '0')}`;
}

/** A plausible base score: a share of the group max that depends on unit and group. */
function baseScore(code: string, g: GroupCode, agency: boolean): number {
  const h = hashUnit(`demo|${code}|${g}`);
  const low: Record<GroupCode, number> = {
    CKMB: 0.45,
    TDGQ: 0.8,
    CLGQ: 0.55,
    TTTT: 0.55,
    MDSH: 0.4,
    MDHL: 0.55,
  };
  const span = agency ? 0.35 : 0.3;
  return round2(GROUP_MAX[g] * Math.min(0.98, low[g] + span * h));
}

export function buildDienBienDemo(): Scenario {
  const province = provinceByCode('H18')!;
  const units = [
    ...AGENCIES.map((name, i) => {
      const code = `H18.${String(i + 1).padStart(2, '0')}`;
      return { id: idOf(code), code, name: `${name} - tỉnh Điện Biên`, kind: 'agency' as const };
    }),
    ...COMMUNES.map((name, i) => {
      const code = `H18.${100 + i}`;
      return {
        id: idOf(code),
        code,
        name,
        kind: 'commune' as const,
        ...(NFD_CODES.has(code) ? { nameForm: 'NFD' as const } : {}),
      };
    }),
  ];
  const base: Record<string, UnitValues> = {};
  for (const u of units) {
    const v: UnitValues = {};
    for (const g of GROUP_CODES) v[g] = baseScore(u.code, g, u.kind === 'agency');
    base[u.code] = v;
  }
  // The storylines' starting values (set explicitly so the falls read clearly).
  base['H18.02'] = { ...base['H18.02'], TTTT: { score: 7.4, paidOnline: 607, withFees: 820 } };
  base['H18.03'] = { ...base['H18.03'], MDSH: 14.2 };
  base['H18.101'] = { ...base['H18.101'], TTTT: 8.1 };
  base['H18.103'] = { ...base['H18.103'], MDSH: 12.4 };
  base['H18.125'] = { ...base['H18.125'], MDHL: null };

  type Changes = Record<string, UnitValues>;
  const story: Record<string, Changes> = {
    '2026-11-03': { 'H18.03': { MDSH: 10.9 } },
    '2026-11-04': { 'H18.03': { MDSH: 14.05 } },
    '2026-11-05': { 'H18.02': { TTTT: { score: 6.1, paidOnline: 500 } } },
    '2026-11-06': { 'H18.02': { TTTT: { score: 4.85, paidOnline: 398 } } },
    '2026-11-07': { 'H18.02': { TTTT: { score: 3.2, paidOnline: 262 } } },
    '2026-11-09': {
      'H18.103': {
        MDSH: {
          score: 6.1,
          quality: {
            status: 'NO_NATIONAL_REPORT_DATA',
            message: 'Chưa có dữ liệu báo cáo quốc gia cho kỳ này, điểm tạm tính.',
          },
        },
      },
    },
    '2026-11-11': { 'H18.103': { MDSH: { score: 12.2, quality: null } } },
    '2026-11-12': { 'H18.02': { TTTT: { score: 5.6, paidOnline: 459 } } },
    '2026-11-14': { 'H18.02': { TTTT: { score: 7.35, paidOnline: 603 } } },
    '2026-11-15': { 'H18.101': { TTTT: 5 } },
    '2026-11-17': { 'H18.101': { TTTT: 8.05 } },
  };
  const storyCodes = new Set(['H18.02', 'H18.03', 'H18.101', 'H18.103', 'H18.125']);
  const quiet = units.filter((u) => !storyCodes.has(u.code));
  // Current values of the daily drift, so that each move starts from where the last one ended.
  const current = new Map<string, number>();
  const days: Record<string, { units?: Changes }> = {};
  for (let d = 0; d < DAYS; d++) {
    const date = addDays(FIRST_DAY, d);
    const changes: Changes = { ...(story[date] ?? {}) };
    if (d > 0) {
      for (let k = 0; k < 5; k++) {
        const u = quiet[Math.floor(hashUnit(`drift|${date}|${k}|unit`) * quiet.length)]!;
        const g = GROUP_CODES[Math.floor(hashUnit(`drift|${date}|${k}|group`) * GROUP_CODES.length)]!;
        const key = `${u.code}|${g}`;
        const from = current.get(key) ?? (base[u.code]![g] as number);
        const step = round2((hashUnit(`drift|${date}|${k}|step`) - 0.5) * 0.4);
        const to = round2(Math.min(GROUP_MAX[g], Math.max(0, from + step)));
        current.set(key, to);
        changes[u.code] = { ...(changes[u.code] ?? {}), [g]: to };
      }
    }
    days[date] = Object.keys(changes).length > 0 ? { units: changes } : {};
  }
  return parseScenario(
    {
      version: 1,
      description:
        'Điện Biên demo: 14 agencies, 45 communes, 20 report dates; TTTT and MDSH falls and recoveries (see src/replay/demo-scenario.ts)',
      seed: 18,
      province: { id: province.id, code: province.code, name: province.name },
      units,
      base: { units: base },
      days,
    },
    'dien-bien-demo',
  );
}

/**
 * Where the bundled demo scenario lives: `scenarios/` at the package root, whether this module
 * runs from `src/replay/` (tsx) or `dist/src/replay/` (built).
 */
export const DEMO_SCENARIO_PATH = ((): string => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = ['../../scenarios', '../../../scenarios'].map((p) =>
    path.resolve(here, p, 'dien-bien-demo.json'),
  );
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
})();

/** Regenerate `scenarios/dien-bien-demo.json`. */
export async function writeDienBienDemo(file = DEMO_SCENARIO_PATH): Promise<void> {
  await writeFile(file, `${JSON.stringify(buildDienBienDemo(), null, 2)}\n`);
}
