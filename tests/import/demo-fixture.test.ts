/**
 * The hand-made 2025 tables of the demo province (tests/fixtures/import/dien-bien-2025-*.csv:
 * the I.1 table with the national rank, and both appendices with the province's line; names
 * with and without the " - tỉnh Điện Biên" suffix, in capitals, without accents, "UBND xã"
 * and "Xã", one commune not evaluated) match every unit of the demo scenario.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../src/import/import-file.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertUnits, type SeedUnit } from '../helpers/seed.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FILES = ['dien-bien-2025-I1.csv', 'dien-bien-2025-phu-luc.csv'].map((f) =>
  path.join(ROOT, 'tests/fixtures/import', f),
);
const scenario = JSON.parse(readFileSync(path.join(ROOT, 'scenarios/dien-bien-demo.json'), 'utf8')) as {
  province: { id: string; code: string; name: string };
  units: { id: string; code: string; name: string; kind: 'agency' | 'commune' }[];
};
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  const province: SeedUnit = { ...scenario.province, kind: 'province', provinceId: null };
  await insertUnits(db.pool, [province, ...scenario.units.map((u) => ({ ...u, provinceId: province.id }))], {
    firstSeen: '2026-11-01',
    lastSeen: '2026-11-20',
  });
});
afterAll(async () => {
  await db?.drop();
});

describe('the demo province’s hand-made 2025 tables', { timeout: 60_000 }, () => {
  it('match every unit; the province merges I.1 (rank 9/34) with its appendix line', async () => {
    const r = await runImport(db.pool, {
      files: FILES,
      province: 'H18',
      period: { type: 'year', year: 2025, number: 0 },
      asOf: '2026-01-15',
    });
    expect(r.outcome).toBe('stored');
    expect(r.matches.filter((m) => m.status !== 'matched')).toEqual([]);
    expect(r.matches).toHaveLength(1 + scenario.units.length);
    expect(new Set(r.matches.map((m) => m.unit!.id)).size).toBe(1 + scenario.units.length);
    const province = r.matches.find((m) => m.unit!.id === scenario.province.id)!;
    expect(province.row).toMatchObject({
      rank: 9,
      rankOf: 34,
      scores: { TOTAL: 67.99, CLGQ: 7.47, TTTT: 7.87 },
    });
    // its CLGQ and TTTT came with the appendix line: nothing to warn about
    expect(r.notes).toEqual([]);
    const byName = (n: string) => r.matches.find((m) => m.row.name === n)!.unit!.name;
    expect(byName('SỞ Y TẾ - TỈNH ĐIỆN BIÊN')).toBe('Sở Y tế - tỉnh Điện Biên');
    expect(byName('So Tu phap - tinh Dien Bien')).toBe('Sở Tư pháp - tỉnh Điện Biên');
    expect(byName('xã thanh nưa')).toBe('UBND xã Thanh Nưa');
    const namKe = r.matches.find((m) => m.unit!.name === 'UBND xã Nậm Kè')!;
    expect(namKe.row.scores.TOTAL).toBeNull();
    const stored = await db.pool.query<{ rank: number; rank_of: number; score: string }>(
      `select rank, rank_of, score from scores where unit_id = $1 and grp = 'TOTAL' and import_id is not null`,
      [scenario.province.id],
    );
    expect(stored.rows).toEqual([{ rank: 9, rank_of: 34, score: '67.99' }]);
  });
});
