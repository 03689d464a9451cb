import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawResponse } from '../../src/source/portal-types.js';
import { loadCaptures, sha256Hex, upsertCapture } from '../../src/store/captures.js';
import { createOrGetRun } from '../../src/store/runs.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

function raw(body: string, over: Partial<RawResponse> = {}): RawResponse {
  return {
    call: 'transparency',
    periodKey: '2026',
    page: 1,
    url: 'http://127.0.0.1/api/v1/reporting/evaluation/transparency',
    requestBody: { timeType: 'year', year: 2026 },
    status: 200,
    contentType: 'application/json',
    body: Buffer.from(body),
    durationMs: 12.4,
    capturedAt: new Date('2026-11-02T21:30:00Z'),
    ...over,
  };
}

async function runOf(date: string) {
  return (
    await createOrGetRun(db.pool, {
      provinceCode: 'H18',
      reportDate: date,
      trigger: 'manual',
      periods: ['year'],
    })
  ).run;
}

describe('captures store', () => {
  it('stores raw bytes with sha256, overwrites on retry, flags an unchanged source', async () => {
    const d1 = await runOf('2026-11-01');
    const d2 = await runOf('2026-11-02');
    const first = await upsertCapture(db.pool, d1.id, raw('{"a":1}'));
    expect(first).toMatchObject({ sha256: sha256Hex(Buffer.from('{"a":1}')), sourceUnchanged: false });

    // next day, same bytes → unchanged; a different call or period is compared only with itself
    expect((await upsertCapture(db.pool, d2.id, raw('{"a":1}'))).sourceUnchanged).toBe(true);
    expect(
      (await upsertCapture(db.pool, d2.id, raw('{"a":1}', { periodKey: '2026-Q4' }))).sourceUnchanged,
    ).toBe(false);
    // a retried collect overwrites its own row; changed bytes are no longer "unchanged"
    const again = await upsertCapture(db.pool, d2.id, raw('{"a":2}'), {
      errorClass: 'PortalFormatError',
      message: 'x',
    });
    expect(again.sourceUnchanged).toBe(false);

    const rows = await loadCaptures(db.pool, d2.id);
    expect(rows).toHaveLength(2);
    const t = rows.find((r) => r.periodKey === '2026');
    expect(t?.body?.toString()).toBe('{"a":2}');
    expect(t).toMatchObject({
      endpoint: 'transparency',
      httpStatus: 200,
      durationMs: 12,
      errorClass: 'PortalFormatError',
    });
    expect(t?.requestBody).toEqual({ timeType: 'year', year: 2026 });
  });
});
