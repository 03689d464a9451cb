import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Period } from '../../src/domain.js';
import { PortalFormatError } from '../../src/errors.js';
import { type FaultRule, loadFaultRules } from '../../src/replay/faults.js';
import { parseScenario } from '../../src/replay/scenario.js';
import { type ReplayPortal, startReplayPortal } from '../../src/replay/server.js';
import { parseCapture } from '../../src/source/parse-capture.js';
import { type CallName, planCall, provinceByCode } from '../../src/source/requests.js';

const H18 = provinceByCode('H18')!;
const YEAR: Period = { type: 'year', year: 2026, number: 0 };
const units = Array.from({ length: 6 }, (_, i) => ({
  id: `unit-${i}`,
  code: i < 2 ? `H18.0${i + 1}` : `H18.${100 + i}`,
  name: i < 2 ? `Sở số ${i + 1} - tỉnh Điện Biên` : `UBND xã Thử ${i}`,
  kind: i < 2 ? ('agency' as const) : ('commune' as const),
}));
const scenario = parseScenario({
  version: 1,
  province: H18,
  units,
  base: {
    units: Object.fromEntries(
      units.map((u, i) => [u.code, { CKMB: 10 + i, TDGQ: 15, CLGQ: 8, TTTT: 6 + i / 4, MDSH: 9, MDHL: 12 }]),
    ),
  },
  days: { '2026-11-01': {} },
});

let portal: ReplayPortal;
beforeAll(async () => {
  portal = await startReplayPortal(
    { scenario },
    { faults: [{ call: 'transparency', onRequest: 1, kind: '500' }] },
  );
});
afterEach(() => {
  portal.setFaults([]);
  portal.resetRequests();
});
afterAll(async () => {
  await portal.close();
});

async function post(call: CallName, opts: { page?: number; spa?: boolean; timeoutMs?: number } = {}) {
  const p = planCall(call, H18.id, YEAR, opts.page ?? 1);
  const res = await fetch(portal.url + p.path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.spa ? { 'x-replay-spa': '1' } : {}) },
    body: JSON.stringify(p.body),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    headers: res.headers,
    bytes,
    text: bytes.toString('utf8'),
  };
}
const json = (r: { text: string }) => JSON.parse(r.text);

describe('faults', () => {
  it('applies faults given as an option (first transparency request → 500)', async () => {
    // The option's rule is in force from the start; afterEach clears it for the other tests.
    const first = await post('transparency');
    expect(first.status).toBe(500);
    expect((await post('transparency')).status).toBe(201);
  });

  it('403 is an F5-style WAF page with a support id', async () => {
    portal.setFaults([{ call: 'national', kind: '403' }]);
    const r = await post('national');
    expect(r.status).toBe(403);
    expect(r.type).toContain('text/html');
    expect(r.text).toContain('Request Rejected');
    expect(r.text).toMatch(/Your support ID is: \d{10,}/);
  });

  it.each([
    ['429', 429],
    ['500', 500],
    ['502', 502],
    ['503', 503],
    ['maintenance', 503],
    ['login', 200],
  ] as const)('%s answers HTTP %i', async (kind, status) => {
    portal.setFaults([{ call: 'dossier-digitized', kind }]);
    const r = await post('dossier-digitized');
    expect(r.status).toBe(status);
    if (kind === '429') expect(r.headers.get('retry-after')).toBe('120');
    if (kind === 'maintenance') expect(r.text).toContain('bảo trì');
    if (kind === 'login') expect(r.text).toMatch(/<form[^>]*login/);
    if (kind !== '500') expect(r.type).toContain('text/html');
  });

  it('hang gives no answer until the client gives up', async () => {
    portal.setFaults([{ call: 'provide-online-tree', kind: 'hang' }]);
    await expect(post('provide-online-tree', { timeoutMs: 300 })).rejects.toThrow(/abort|timeout/i);
    const entry = portal.requests().find((e) => e.call === 'provide-online-tree');
    expect(entry?.status).toBeNull();
    expect(entry?.fault).toBe('hang');
  });

  it('drop cuts the connection in the middle of the answer', async () => {
    portal.setFaults([{ call: 'dvc-progress-tree', onRequest: 1, kind: 'drop' }]);
    await expect(post('dvc-progress-tree')).rejects.toThrow();
    expect((await post('dvc-progress-tree', { timeoutMs: 5000 })).status).toBe(201);
  });

  it('invalid-json, code-not-ok, missing-field are JSON-level faults the parser rejects', async () => {
    portal.setFaults([
      { call: 'transparency', kind: 'invalid-json' },
      { call: 'handling-satisfaction', kind: 'code-not-ok' },
      { call: 'dossier-digitized', kind: 'missing-field' },
      { call: 'formality-online-payment-tree', kind: 'missing-field' },
    ]);
    const bad = await post('transparency');
    expect(bad.status).toBe(201);
    expect(() => JSON.parse(bad.text)).toThrow();
    const notOk = await post('handling-satisfaction');
    expect(json(notOk).code).toBe('ERROR');
    const noList = await post('dossier-digitized');
    expect(json(noList).data.evaluation).toBeUndefined();
    expect(json(noList).data.overview).toBeDefined();
    const noId = await post('formality-online-payment-tree');
    expect(json(noId).data.children[0].departmentId).toBeUndefined();
    expect(json(noId).data.children[1].departmentId).toBeDefined();
    for (const [call, r] of [
      ['transparency', bad],
      ['handling-satisfaction', notOk],
      ['dossier-digitized', noList],
      ['formality-online-payment-tree', noId],
    ] as const) {
      expect(() => parseCapture(call, r.bytes, { provinceId: H18.id }), call).toThrow(PortalFormatError);
    }
  });

  it('missing-field can name the field to delete', async () => {
    portal.setFaults([{ call: 'national', kind: 'missing-field', field: 'data.evaluation.0.groupScores' }]);
    const r = json(await post('national'));
    expect(r.data.evaluation[0].groupScores).toBeUndefined();
    expect(r.data.evaluation[1].groupScores).toBeDefined();
  });

  it('missing-unit leaves one unit out of that group list only', async () => {
    portal.setFaults([{ call: 'formality-online-payment-tree', kind: 'missing-unit', unitId: 'unit-3' }]);
    const tree = json(await post('formality-online-payment-tree'));
    expect(tree.data.children.map((c: { departmentId: string }) => c.departmentId)).not.toContain('unit-3');
    expect(tree.data.children).toHaveLength(5);
    const other = json(await post('provide-online-tree'));
    expect(other.data.children).toHaveLength(6);
    portal.setFaults([{ call: 'transparency', kind: 'missing-unit' }]);
    const a = json(await post('transparency'));
    expect(a.data.evaluation).toHaveLength(5);
    expect(a.data.pagination.total).toBe(5);
  });

  it('second-page splits the list over two pages that together hold every unit', async () => {
    for (const call of ['handling-satisfaction', 'dvc-progress-tree'] as const) {
      portal.setFaults([{ call, onRequest: 1, kind: 'second-page' }]);
      const p1 = json(await post(call));
      const key = call === 'dvc-progress-tree' ? 'children' : 'evaluation';
      expect(p1.data.pagination).toMatchObject({ currentPage: 1, totalPages: 2, total: 6 });
      expect(p1.data[key]).toHaveLength(3);
      const p2 = json(await post(call, { page: 2 }));
      expect(p2.data.pagination).toMatchObject({ currentPage: 2, totalPages: 2 });
      const ids = [...p1.data[key], ...p2.data[key]]
        .map((r: { departmentId: string }) => r.departmentId)
        .sort();
      expect(ids).toEqual(units.map((u) => u.id).sort());
    }
  });

  it('counts requests per call, from the n-th on, `times` times; page-script calls do not count', async () => {
    portal.setFaults([{ call: 'national', onRequest: 2, times: 2, kind: '502' }]);
    expect((await post('national', { spa: true })).status).toBe(201);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post('national')).status);
    expect(statuses).toEqual([201, 502, 502, 201]);
    const log = portal.requests();
    expect(log.filter((e) => e.fromPageScript)).toHaveLength(1);
    expect(log.map((e) => e.fault)).toEqual([null, null, '502', '502', null]);
  });

  it('a `*` rule counts every API call; a page rule hits the page', async () => {
    portal.setFaults([
      { call: 'page', kind: '403' },
      { call: '*', onRequest: 3, kind: '429' },
    ]);
    const page = await fetch(`${portal.url}/danh-gia-chat-luong-phuc-vu`);
    expect(page.status).toBe(403);
    expect(await page.text()).toContain('Request Rejected');
    expect((await post('national')).status).toBe(201);
    expect((await post('transparency')).status).toBe(201);
    expect((await post('dvc-progress-tree')).status).toBe(429);
  });

  it('takes rules over HTTP and from a file, and rejects bad ones naming the field', async () => {
    const set = await fetch(`${portal.url}/__replay/faults`, {
      method: 'POST',
      body: JSON.stringify([{ call: 'transparency', kind: 'code-not-ok' }]),
    });
    expect(set.status).toBe(200);
    expect(json(await post('transparency')).code).toBe('ERROR');
    const bad = await fetch(`${portal.url}/__replay/faults`, {
      method: 'POST',
      body: JSON.stringify([{ call: 'page', kind: 'invalid-json' }]),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toContain('page is HTML');
    const file = path.join(tmpdir(), `replay-faults-${process.pid}.json`);
    const rules: FaultRule[] = [{ call: 'handling-satisfaction', kind: 'maintenance' }];
    await writeFile(file, JSON.stringify({ rules }));
    portal.setFaults(await loadFaultRules(file));
    expect((await post('handling-satisfaction')).status).toBe(503);
    await writeFile(file, JSON.stringify([{ call: 'nowhere', kind: '500' }]));
    await expect(loadFaultRules(file)).rejects.toThrow(/0\.call/);
    const reset = await fetch(`${portal.url}/__replay/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    expect(portal.requests()).toEqual([]);
  });

  it('adds latency to API answers without changing them', async () => {
    const slow = await startReplayPortal({ scenario }, { latencyMs: 50 });
    try {
      const p = planCall('transparency', H18.id, YEAR);
      const res = await fetch(slow.url + p.path, { method: 'POST', body: JSON.stringify(p.body) });
      expect(res.status).toBe(201);
      expect((await res.json()).data.evaluation).toHaveLength(6);
    } finally {
      await slow.close();
    }
  });
});
