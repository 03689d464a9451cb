import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORDINGS_INDEX } from '../../src/replay/recordings.js';
import { type ReplayPortal, startReplayPortal } from '../../src/replay/server.js';
import { planCall, provinceByCode } from '../../src/source/requests.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RECORDINGS = path.resolve(ROOT, 'tests/fixtures/portal-recordings');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let portal: ReplayPortal;
beforeAll(async () => {
  portal = await startReplayPortal({ recordingsDir: RECORDINGS });
});
afterAll(async () => {
  await portal.close();
});

async function post(p: string, body: unknown) {
  const res = await fetch(portal.url + p, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
}

describe('recordings mode', () => {
  it('indexes the ten recorded requests, each hash matching its file', async () => {
    expect(RECORDINGS_INDEX).toHaveLength(10);
    for (const e of RECORDINGS_INDEX) {
      expect(sha256(await readFile(path.join(RECORDINGS, e.file))), e.file).toBe(e.sha256);
    }
  });

  it('answers every indexed request with the exact recorded bytes, 201 and the JSON content type', async () => {
    for (const e of RECORDINGS_INDEX) {
      const { res, bytes } = await post(e.path, e.body);
      expect(res.status, e.file).toBe(201);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(sha256(bytes), e.file).toBe(e.sha256);
    }
  });

  it('matches the bodies planCall builds for Phú Thọ, whatever their key order', async () => {
    const ph = provinceByCode('H44')!;
    const year = { type: 'year', year: 2026, number: 0 } as const;
    const plan = planCall('formality-online-payment-tree', ph.id, { type: 'month', year: 2026, number: 8 });
    const reversed = Object.fromEntries(Object.entries(plan.body).reverse());
    const { res, bytes } = await post(plan.path, reversed);
    expect(res.status).toBe(201);
    expect(sha256(bytes)).toBe('5c2e5f5768edebe19fc8afd8dbc0780b9650996e32a42d1a3d2354de891b587b');
    for (const call of [
      'national',
      'transparency',
      'dvc-progress-tree',
      'provide-online-tree',
      'formality-online-payment-tree',
      'dossier-digitized',
      'handling-satisfaction',
    ] as const) {
      const p = planCall(call, ph.id, year);
      const { res: r } = await post(p.path, p.body);
      expect(r.status, call).toBe(201);
    }
  });

  it('says 404, naming the endpoint and body, for a request nobody recorded', async () => {
    const ph = provinceByCode('H44')!;
    const p = planCall('service-results', ph.id, { type: 'year', year: 2026, number: 0 });
    const { res, bytes } = await post(p.path, p.body);
    expect(res.status).toBe(404);
    const j = JSON.parse(Buffer.from(bytes).toString('utf8'));
    expect(j.replay).toBe('no-recording');
    expect(j.code).toBeUndefined();
    expect(j.endpoint).toBe('service-results');
    expect(j.body).toEqual(p.body);
    expect(j.message).toContain('/api/v1/reporting/evaluation/service-results');
  });

  it('rejects a malformed body with a 400 like the portal', async () => {
    const { res, bytes } = await post('/api/v1/reporting/evaluation/transparency', {
      timeType: 'week',
      year: '2026',
    });
    expect(res.status).toBe(400);
    const j = JSON.parse(Buffer.from(bytes).toString('utf8'));
    expect(j.error).toBe('Bad Request');
    expect(j.message).toEqual(
      expect.arrayContaining([
        expect.stringContaining('timeType'),
        expect.stringContaining('rootDepartmentId'),
      ]),
    );
    const bad = await fetch(`${portal.url}/api/v1/reporting/evaluation/transparency`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"timeType":',
    });
    expect(bad.status).toBe(400);
  });

  it('applies faults to recorded answers too (second-page splits the recorded list)', async () => {
    const ph = provinceByCode('H44')!;
    portal.setFaults([{ call: 'transparency', onRequest: 1, kind: 'second-page' }]);
    try {
      const p1 = planCall('transparency', ph.id, { type: 'year', year: 2026, number: 0 });
      const p2 = planCall('transparency', ph.id, { type: 'year', year: 2026, number: 0 }, 2);
      const a = JSON.parse(Buffer.from((await post(p1.path, p1.body)).bytes).toString('utf8'));
      const b = JSON.parse(Buffer.from((await post(p2.path, p2.body)).bytes).toString('utf8'));
      expect(a.data.pagination).toEqual({ total: 163, currentPage: 1, pageSize: 82, totalPages: 2 });
      expect([a.data.evaluation.length, b.data.evaluation.length]).toEqual([82, 81]);
      expect(b.data.evaluation[0].stt).toBe(83);
    } finally {
      portal.setFaults([]);
    }
  });

  it('serves the evaluation page with session cookies and logs requests', async () => {
    portal.resetRequests();
    const res = await fetch(`${portal.url}/danh-gia-chat-luong-phuc-vu`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<title>Đánh giá chất lượng phục vụ');
    expect(html).toContain('x-replay-spa');
    const cookies = res.headers.getSetCookie();
    expect(cookies.some((c) => c.startsWith('JSESSIONID='))).toBe(true);
    expect(cookies.some((c) => c.startsWith('route='))).toBe(true);
    const spa = await fetch(`${portal.url}/api/v1/reporting/evaluation/service-results`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-replay-spa': '1' },
      body: JSON.stringify({ timeType: 'year', year: 2026, departmentType: 'ADMINISTRATIVE_UNIT' }),
    });
    expect(spa.status).toBe(201);
    await spa.arrayBuffer();
    const log = portal.requests();
    expect(log.map((e) => [e.method, e.call, e.status, e.fromPageScript])).toEqual([
      ['GET', 'page', 200, false],
      ['POST', 'national', 201, true],
    ]);
    const viaHttp = await (await fetch(`${portal.url}/__replay/requests`)).json();
    expect(viaHttp).toHaveLength(2);
  });
});
