/**
 * The read-only HTTP API against a real, seeded PostgreSQL (and real Redis for /readyz and
 * /metrics): filters, keyset pagination, 400s naming the field, CSV bytes, the token.
 */
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { addDays } from '../../src/domain.js';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { type ReadScenario, SCENARIO_DAYS, SCENARIO_GAP_DAY, seedReadScenario } from '../helpers/seed.js';

let db: TestDatabase;
let s: ReadScenario;
let app: FastifyInstance;
let redis: Redis;
const prefix = uniquePrefix('http');
const STORED_DAYS = SCENARIO_DAYS - 1; // one gap day

beforeAll(async () => {
  db = await createTestDatabase();
  s = await seedReadScenario(db.pool);
  const config = loadConfig(testEnv({ DATABASE_URL: db.url }));
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  app = buildHttpServer({ config, log: createLogger(config), pool: db.pool, redis, queuePrefix: prefix });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  redis?.disconnect();
  await deletePrefix(prefix);
  await db?.drop();
});

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await app.inject({ method: 'GET', url, headers });
  return {
    status: res.statusCode,
    headers: res.headers,
    body: res.body,
    raw: res.rawPayload,
    json: () => res.json(),
  };
}

async function expect400(url: string, field: string) {
  const res = await get(url);
  expect(res.status, url).toBe(400);
  const body = res.json();
  expect(body.error).toBe('invalid_input');
  expect(body.field).toBe(field);
  expect(body.message).toContain(field);
  return body;
}

describe('/api/units', () => {
  it('lists every unit, filters by kind and province, and searches without accents', async () => {
    const all = (await get('/api/units')).json().items;
    expect(all).toHaveLength(12);
    expect(all[0].kind).toBe('province');
    const agencies = (await get('/api/units?kind=agency&province=H18')).json().items;
    expect(agencies.map((u: { name: string }) => u.name)).toEqual([
      'Sở Y tế',
      'Sở Giáo dục và Đào tạo',
      'Sở Tài chính',
      'Sở Xây dựng',
      'Sở Nội vụ',
    ]);
    const found = (await get(`/api/units?q=${encodeURIComponent('so y te')}`)).json().items;
    expect(found.map((u: { id: string }) => u.id)).toEqual([s.health.id]);
    const upper = (await get(`/api/units?q=${encodeURIComponent('SỞ Y TẾ')}`)).json().items;
    expect(upper.map((u: { id: string }) => u.id)).toEqual([s.health.id]);
    const muong = (await get('/api/units?q=muong&kind=commune')).json().items;
    expect(muong.map((u: { name: string }) => u.name).sort()).toEqual(
      ['Phường Mường Lay', 'Phường Mường Thanh', 'Xã Mường Phăng'].sort(),
    );
  });

  it('rejects a bad kind or an unknown province with 400 naming the field', async () => {
    await expect400('/api/units?kind=department', 'kind');
    await expect400('/api/units?province=H99', 'province');
    await expect400('/api/units?kind=agency&kind=commune', 'kind');
  });

  it('resolves a unit by code, id or name', async () => {
    expect((await get('/api/units/H18.01')).json().unit.id).toBe(s.health.id);
    expect((await get(`/api/units/${s.health.id}`)).json().unit.code).toBe('H18.01');
    expect((await get(`/api/units/${encodeURIComponent('na tau')}`)).json().unit.id).toBe(s.notEvaluated.id);
  });
});

describe('/api/units/:id/history', () => {
  it('returns one point per stored date, oldest first, gaps absent, null kept apart from 0', async () => {
    const body = (await get(`/api/units/${s.health.code}/history?group=TTTT&limit=5000`)).json();
    expect(body.unit.id).toBe(s.health.id);
    expect(body.items).toHaveLength(STORED_DAYS);
    expect(body.nextCursor).toBeNull();
    const dates = body.items.map((p: { date: string }) => p.date);
    expect(dates).toEqual([...dates].sort());
    expect(dates).not.toContain(addDays(s.first, SCENARIO_GAP_DAY));
    const byDate = new Map(body.items.map((p: { date: string }) => [p.date, p]));
    expect(
      (byDate.get(addDays(s.first, 12)) as { groups: { TTTT: { score: number } } }).groups.TTTT,
    ).toMatchObject({
      score: 5,
      max: 10,
    });
    expect(body.items.at(-1).groups.TTTT.score).toBe(4.5);
    expect(Object.keys(body.items[0].groups)).toEqual(['TTTT']);

    const zero = (await get(`/api/units/${s.construction.id}/history?group=TTTT`)).json();
    expect(
      zero.items.every((p: { groups: { TTTT: { score: number | null } } }) => p.groups.TTTT.score === 0),
    ).toBe(true);
    const nulls = (
      await get(
        `/api/units/${s.finance.id}/history?group=MDSH,TOTAL&from=${addDays(s.first, 10)}&to=${addDays(s.first, 11)}`,
      )
    ).json();
    expect(nulls.items).toHaveLength(2);
    expect(nulls.items[0].groups.MDSH.score).toBeNull();
    expect(nulls.items[0].groups.TOTAL.score).toBeNull();
    expect(nulls.items[1].groups.MDSH.score).not.toBeNull();
  });

  it('pages with a keyset cursor without losing or repeating a date', async () => {
    const seen: string[] = [];
    let url = `/api/units/${s.health.id}/history?limit=30`;
    let pages = 0;
    for (;;) {
      const body = (await get(url)).json();
      pages++;
      seen.push(...body.items.map((p: { date: string }) => p.date));
      for (const p of body.items)
        expect(Object.keys(p.groups).sort()).toEqual([
          'CKMB',
          'CLGQ',
          'MDHL',
          'MDSH',
          'TDGQ',
          'TOTAL',
          'TTTT',
        ]);
      if (!body.nextCursor) break;
      url = `/api/units/${s.health.id}/history?limit=30&after=${body.nextCursor}`;
      expect(pages).toBeLessThan(10);
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(STORED_DAYS);
    expect(new Set(seen).size).toBe(STORED_DAYS);
  });

  it('filters by period type and date range', async () => {
    const body = (
      await get(`/api/units/${s.health.id}/history?period=month&from=2026-04-01&to=2026-04-30&group=TOTAL`)
    ).json();
    expect(body.items).toHaveLength(30);
    expect(new Set(body.items.map((p: { period: { key: string } }) => p.period.key))).toEqual(
      new Set(['2026-M04']),
    );
    const year = (await get(`/api/units/${s.health.id}/history?period=year&year=2026&to=2026-03-05`)).json();
    expect(year.items.map((p: { period: { key: string } }) => p.period.key)).toEqual([
      '2026',
      '2026',
      '2026',
      '2026',
      '2026',
    ]);
  });

  it('answers bad input with 400 naming the field, never 500', async () => {
    const id = s.health.id;
    await expect400(`/api/units/${id}/history?group=XYZ`, 'group');
    await expect400(`/api/units/${id}/history?from=2026-02-30`, 'from');
    await expect400(`/api/units/${id}/history?to=yesterday`, 'to');
    await expect400(`/api/units/${id}/history?from=2026-05-01&to=2026-04-01`, 'from');
    await expect400(`/api/units/${id}/history?period=week`, 'period');
    await expect400(`/api/units/${id}/history?limit=0`, 'limit');
    await expect400(`/api/units/${id}/history?limit=abc`, 'limit');
    await expect400(`/api/units/${id}/history?after=not-a-cursor`, 'after');
    await expect400(`/api/units/${id}/history?format=xlsx`, 'format');
    await expect400('/api/units/00000000-0000-4000-8000-000000000000/history', 'id');
    await expect400('/api/units/nothing-like-this/history', 'id');
    const ambiguous = await expect400(`/api/units/${encodeURIComponent('sở')}/history`, 'id');
    expect(ambiguous.candidates.length).toBe(5);
    expect(ambiguous.candidates.join('\n')).toContain('Sở Y tế');
  });
});

/** Split a CSV body (no quoted newlines in our data) into rows of cells. */
function parseCsv(text: string): string[][] {
  return text
    .replace(/\r\n$/, '')
    .split('\r\n')
    .map((line) => {
      const cells: string[] = [];
      let cur = '';
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const c = line[i]!;
        if (quoted) {
          if (c === '"' && line[i + 1] === '"') {
            cur += '"';
            i++;
          } else if (c === '"') quoted = false;
          else cur += c;
        } else if (c === '"') quoted = true;
        else if (c === ',') {
          cells.push(cur);
          cur = '';
        } else cur += c;
      }
      cells.push(cur);
      return cells;
    });
}

describe('CSV export', () => {
  it('history: UTF-8 with BOM, Vietnamese headers, one row per date, empty for null and 0.00 for zero', async () => {
    const res = await get(`/api/units/${s.finance.id}/history/export.csv?group=TOTAL,MDSH`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="lich-su-H18\.03-year\.csv"$/);
    expect([...res.raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = res.raw.subarray(3).toString('utf8');
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([
      'Ngày báo cáo',
      'Mã đơn vị',
      'Tên đơn vị',
      'Loại kỳ',
      'Kỳ',
      'Tổng điểm (TOTAL)',
      'TOTAL tối đa',
      'Số hóa hồ sơ (MDSH)',
      'MDSH tối đa',
      'Xếp hạng',
      'Trong số',
      'departmentId',
      'Nguồn',
    ]);
    expect(rows).toHaveLength(1 + STORED_DAYS);
    const nullDay = rows.find((r) => r[0] === addDays(s.first, 10))!;
    expect(nullDay.slice(1, 5)).toEqual(['H18.03', 'Sở Tài chính', 'Năm', '2026']);
    expect(nullDay[5]).toBe(''); // TOTAL null
    expect(nullDay[6]).toBe('100.00'); // its max is still known
    expect(nullDay[7]).toBe('');
    expect(nullDay[8]).toBe('22.00');
    expect(nullDay[9]).toBe(''); // no rank without a total
    // The bytes carry the diacritics as UTF-8 (not a legacy code page).
    expect(res.raw.includes(Buffer.from('Sở Tài chính', 'utf8'))).toBe(true);
    // ?format=csv is the same export.
    const same = await get(`/api/units/${s.finance.id}/history?group=TOTAL,MDSH&format=csv`);
    expect(same.raw.equals(res.raw)).toBe(true);

    const zero = parseCsv(
      (await get(`/api/units/${s.construction.id}/history?group=TTTT&format=csv`)).raw
        .subarray(3)
        .toString('utf8'),
    );
    expect(zero.slice(1).every((r) => r[5] === '0.00' && r[6] === '10.00')).toBe(true);
  });

  it('province history: one row per unit-date for every unit of the province', async () => {
    const res = await get('/api/history/export.csv?province=H18&group=TTTT&year=2026');
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="lich-su-H18-year2026.csv"');
    expect([...res.raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(res.raw.subarray(3).toString('utf8'));
    expect(rows[0]).toEqual([
      'Ngày báo cáo',
      'Mã đơn vị',
      'Tên đơn vị',
      'Loại kỳ',
      'Kỳ',
      'Thanh toán trực tuyến (TTTT)',
      'TTTT tối đa',
      'departmentId',
      'Nguồn',
    ]);
    expect(rows).toHaveLength(1 + 12 * STORED_DAYS);
    expect(rows[1]!.slice(0, 3)).toEqual([s.first, 'H18', 'UBND tỉnh Điện Biên']);
    const keys = rows.slice(1).map((r) => `${r[7]}/${r[0]}`);
    expect(new Set(keys).size).toBe(keys.length);
    const naTau = rows.filter((r) => r[7] === s.notEvaluated.id);
    expect(naTau).toHaveLength(STORED_DAYS);
    expect(naTau.every((r) => r[5] === '' && r[6] === '10.00')).toBe(true);
    const zero = rows.filter((r) => r[7] === s.construction.id);
    expect(zero.every((r) => r[5] === '0.00')).toBe(true);
    await expect400('/api/history/export.csv?province=H99', 'province');
    await expect400('/api/history/export.csv?year=26', 'year');
  });

  it('report: province, agencies, communes with date and period columns; not evaluated is empty, never 0', async () => {
    const res = await get(`/api/report/export.csv?province=H18&date=${s.last}`);
    expect(res.status).toBe(200);
    expect([...res.raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(res.raw.subarray(3).toString('utf8'));
    expect(rows[0]!.slice(0, 10)).toEqual([
      'Ngày báo cáo',
      'Loại kỳ',
      'Kỳ',
      'Cấp',
      'Mã',
      'Đơn vị',
      'Tổng điểm',
      'Xếp hạng',
      'Trong số',
      'Xếp loại',
    ]);
    expect(rows).toHaveLength(1 + 12);
    expect(rows[1]!.slice(0, 6)).toEqual([s.last, 'Năm', '2026', 'Tỉnh', 'H18', 'UBND tỉnh Điện Biên']);
    const naTau = rows.find((r) => r[5] === 'Xã Nà Tấu')!;
    expect(naTau[9]).toBe('chưa đánh giá');
    expect(naTau.slice(6, 9)).toEqual(['', '', '']);
    for (let i = 10; i < 22; i += 2) expect(naTau[i]).toBe('');
    const construction = rows.find((r) => r[5] === 'Sở Xây dựng')!;
    expect(construction[rows[0]!.indexOf('Thanh toán trực tuyến (TTTT)')]).toBe('0.00');
  });
});

describe('/api/report', () => {
  it('defaults to the latest date and marks day-over-day falls when detect has not run', async () => {
    const body = (await get('/api/report')).json();
    expect(body.date).toBe(s.last);
    expect(body.period).toEqual({ type: 'year', year: 2026, number: 0 });
    expect(body.dates).toEqual({ first: s.first, last: s.last });
    expect(body.province.code).toBe('H18');
    expect(body.province.rank).toBe(20);
    expect(body.province.rankOf).toBe(34);
    expect(body.agencies).toHaveLength(5);
    expect(body.communes).toHaveLength(6);
    const naTau = body.communes.find((c: { id: string }) => c.id === s.notEvaluated.id);
    expect(naTau.total).toBeNull();
    expect(naTau.classification).toBeNull();
    expect(naTau.groups.TTTT).toEqual({ score: null, max: 10 });
    expect(body.falls.source).toBe('day-over-day');
    expect(body.falls.comparedOn).toBe(addDays(s.last, -1));
    const falls = body.falls.items.map(
      (f: { unitId: string; group: string; before: number; after: number }) => [
        f.unitId,
        f.group,
        f.before,
        f.after,
      ],
    );
    expect(falls).toHaveLength(2);
    expect(falls).toContainEqual([s.health.id, 'TTTT', 6, 4.5]);
    expect(falls.find((f: string[]) => f[0] === s.fallingCommune.id)?.[1]).toBe('MDSH');
  });

  it('reads another date and period, and rejects a gap day, a bad date or period by name', async () => {
    const month = (await get(`/api/report?period=month&date=2026-04-15`)).json();
    expect(month.period).toEqual({ type: 'month', year: 2026, number: 4 });
    expect(month.falls.items).toEqual([]);
    const gap = await expect400(`/api/report?date=${addDays(s.first, SCENARIO_GAP_DAY)}`, 'date');
    expect(gap.message).toContain(addDays(s.first, SCENARIO_GAP_DAY - 1));
    await expect400('/api/report?date=2026-13-01', 'date');
    await expect400('/api/report?period=decade', 'period');
    await expect400('/api/report?province=H77', 'province');
  });

  it("uses detect's alert events once detect has processed the date", async () => {
    await db.pool.query(`insert into alert_detections (province_code, report_date) values ('H18', $1)`, [
      s.last,
    ]);
    try {
      const body = (await get('/api/report')).json();
      expect(body.falls.source).toBe('alerts');
      expect(body.falls.items).toEqual([
        expect.objectContaining({
          unitId: s.health.id,
          group: 'TTTT',
          before: 6,
          after: 4.5,
          source: 'alert',
          kind: 'opened',
        }),
      ]);
    } finally {
      await db.pool.query(`delete from alert_detections where province_code = 'H18'`);
    }
  });
});

describe('/api/alerts and /api/runs', () => {
  it('lists episodes newest first with filters and pagination', async () => {
    const all = (await get(`/api/alerts?unit=${s.health.code}`)).json();
    expect(all.items.map((a: { id: number }) => a.id)).toEqual([...s.alertIds].reverse());
    expect(all.items[0]).toMatchObject({
      status: 'open',
      group: 'TTTT',
      baseline: 6,
      current: 4.5,
      unitName: 'Sở Y tế',
    });
    const open = (await get('/api/alerts?status=open&province=H18')).json();
    expect(open.items).toHaveLength(1);
    const p1 = (await get('/api/alerts?limit=1')).json();
    expect(p1.items).toHaveLength(1);
    const p2 = (await get(`/api/alerts?limit=1&after=${p1.nextCursor}`)).json();
    expect(p2.items[0].id).toBe(s.alertIds[0]);
    expect(p2.nextCursor).toBeNull();
    const inRange = (await get(`/api/alerts?from=${addDays(s.first, 20)}&to=${addDays(s.first, 30)}`)).json();
    expect(inRange.items).toEqual([]);
    await expect400('/api/alerts?group=TOTAL', 'group');
    await expect400('/api/alerts?status=closed', 'status');
    await expect400('/api/alerts?unit=nobody', 'unit');
  });

  it('lists runs newest first with keyset pages', async () => {
    const p1 = (await get('/api/runs?limit=50')).json();
    expect(p1.items).toHaveLength(50);
    expect(p1.items[0]).toMatchObject({
      provinceCode: 'H18',
      reportDate: s.last,
      status: 'done',
      requestCount: 25,
      durationMs: 60_000,
    });
    const p2 = (await get(`/api/runs?limit=50&after=${p1.nextCursor}`)).json();
    expect(p2.items).toHaveLength(STORED_DAYS - 50);
    expect(p2.nextCursor).toBeNull();
    expect(p2.items.at(-1).reportDate).toBe(s.first);
    await expect400('/api/runs?status=exploded', 'status');
    await expect400('/api/runs?province=Dien Bien', 'province');
  });
});

describe('health, readiness and metrics', () => {
  it('/healthz and /readyz report Postgres, Redis, circuit and the last run', async () => {
    expect((await get('/healthz')).json()).toEqual({ ok: true });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    const body = ready.json();
    expect(body.checks.postgres.ok).toBe(true);
    expect(body.checks.redis.ok).toBe(true);
    expect(body.circuit.state).toBe('closed');
    expect(body.lastRun).toMatchObject({ reportDate: s.last, status: 'done' });
    expect(body.lastRun.ageSeconds).toBeGreaterThan(0);
  });

  it('/readyz is 503 when Redis does not answer', async () => {
    const config = loadConfig(testEnv({ DATABASE_URL: db.url }));
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on('error', () => undefined);
    const other = buildHttpServer({
      config,
      log: createLogger(config),
      pool: db.pool,
      redis: dead,
      queuePrefix: prefix,
    });
    try {
      const res = await other.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks.redis.ok).toBe(false);
      expect(res.json().checks.postgres.ok).toBe(true);
    } finally {
      await other.close();
      dead.disconnect();
    }
  });

  it('/metrics exposes runs, portal requests, last success, open alerts and queue depths', async () => {
    await redis.rpush(`${prefix}:collect:wait`, 'a', 'b');
    await redis.zadd(`${prefix}:notify:failed`, 1, 'x');
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain(`dvc_runs{status="done"} ${STORED_DAYS}`);
    expect(res.body).toContain(`dvc_portal_requests ${STORED_DAYS * 25}`);
    expect(res.body).toContain(
      `dvc_last_success_timestamp_seconds ${Date.parse(`${s.last}T21:31:00Z`) / 1000}`,
    );
    expect(res.body).toContain('dvc_alerts_open{group="TTTT"} 1');
    expect(res.body).toContain('dvc_queue_jobs{queue="collect",state="wait"} 2');
    expect(res.body).toContain('dvc_queue_jobs{queue="notify",state="failed"} 1');
    expect(res.body).toContain('dvc_queue_jobs{queue="ingest",state="wait"} 0');
  });
});

describe('HTTP_TOKEN', () => {
  it('guards everything but the health endpoints', async () => {
    const config = loadConfig(testEnv({ DATABASE_URL: db.url, HTTP_TOKEN: 's3cret-token' }));
    const guarded = buildHttpServer({ config, log: createLogger(config), pool: db.pool });
    // Listen for real on loopback, port 0, to exercise the headers end to end.
    await guarded.listen({ host: '127.0.0.1', port: 0 });
    const addr = guarded.server.address();
    const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    try {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      for (const path of [
        '/api/units',
        '/api/report',
        '/metrics',
        '/',
        `/units/${s.health.id}`,
        '/vendor/chart.umd.js',
      ]) {
        const res = await fetch(`${base}${path}`);
        expect(res.status, path).toBe(401);
        expect(res.headers.get('www-authenticate')).toContain('Bearer');
      }
      expect((await fetch(`${base}/api/units`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(
        401,
      );
      const ok = await fetch(`${base}/api/units`, { headers: { authorization: 'Bearer s3cret-token' } });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { items: unknown[] }).items).toHaveLength(12);
      // A person opens the page once with ?token=…; the cookie carries it afterwards.
      const page = await fetch(`${base}/?token=s3cret-token`);
      expect(page.status).toBe(200);
      const cookie = page.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/^dvc_token=s3cret-token; HttpOnly; SameSite=Strict/);
      const withCookie = await fetch(`${base}/api/report`, { headers: { cookie: cookie.split(';')[0]! } });
      expect(withCookie.status).toBe(200);
      expect((await fetch(`${base}/api/report`, { headers: { cookie: 'dvc_token=nope' } })).status).toBe(401);
    } finally {
      await guarded.close();
    }
  });
});

describe('hostile input and the smaller HTTP guards', () => {
  const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

  it('answers a NUL byte, a control character or an over-long value in any parameter with 400 naming it', async () => {
    const id = s.health.id;
    for (const [url, field] of [
      ['/api/units?q=%00', 'q'],
      ['/api/units?q=S%E1%BB%9F%00', 'q'],
      ['/api/units?province=H18%1B%5B2J', 'province'],
      [`/api/units?q=${'x'.repeat(1001)}`, 'q'],
      ['/api/units/%00', 'id'],
      ['/api/units/H18.01%C2%9B', 'id'],
      [`/api/units/${id}/history?group=TTTT%00`, 'group'],
      ['/api/report?province=%E2%80%AEH18', 'province'],
      ['/api/alerts?unit=%00', 'unit'],
      ['/api/runs?province=%00', 'province'],
      ['/units/%00', 'id'],
    ] as const)
      await expect400(url, field);
  });

  it('answers dates and cursors PostgreSQL cannot hold with 400, never 500', async () => {
    const id = s.health.id;
    for (const [url, field] of [
      ['/api/runs?from=0000-01-01', 'from'],
      [`/api/units/${id}/history?to=0000-12-31`, 'to'],
      ['/api/alerts?from=1899-12-31', 'from'],
      ['/api/report?date=10000-01-01', 'date'],
      ['/api/history/export.csv?year=0000', 'year'],
      [`/api/runs?after=${cursor(['2026-11-01', 1.5])}`, 'after'],
      [`/api/runs?after=${cursor(['2026-11-01', 1e300])}`, 'after'],
      [`/api/runs?after=${cursor(['0000-01-01', 1])}`, 'after'],
      [`/api/alerts?after=${cursor(['2026-11-01', -1])}`, 'after'],
      [`/api/units/${id}/history?after=${cursor(['2026-11-01', 2 ** 40, 0])}`, 'after'],
      [`/api/units/${id}/history?after=${cursor(['2026-11-01', 2026, 0.5])}`, 'after'],
      [`/api/units/${id}/metrics?after=${cursor(['2026-11-01', 2026, 0, 'TTTT\u0000', 'X'])}`, 'after'],
      ['/api/runs?limit=1e3', 'limit'],
    ] as const)
      await expect400(url, field);
  });

  it('answers a wrong method on a known path with 405 and Allow, an unknown path with 404', async () => {
    for (const [method, url] of [
      ['POST', '/api/units'],
      ['DELETE', `/api/units/${s.health.id}`],
      ['PUT', '/api/report/export.csv'],
      ['PATCH', '/'],
      ['POST', '/healthz'],
    ] as const) {
      const res = await app.inject({ method, url });
      expect(res.statusCode, `${method} ${url}`).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
      expect(res.json().error).toBe('method_not_allowed');
    }
    expect((await app.inject({ method: 'POST', url: '/api/nothing' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'HEAD', url: '/api/units' })).statusCode).toBe(200);
  });

  it('sends a Content-Security-Policy that forbids framing, with the other protective headers', async () => {
    for (const url of ['/', `/units/${s.health.id}`, '/api/units']) {
      const res = await get(url);
      expect(res.status, url).toBe(200);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('moves a person away from ?token=, marks the cookie Secure behind https, and treats a malformed cookie as none', async () => {
    const lines: string[] = [];
    const sink = { write: (l: string) => void lines.push(l) };
    for (const publicUrl of ['http://127.0.0.1:8080', 'https://dvc-index.dienbien.gov.vn']) {
      const config = loadConfig(
        testEnv({ DATABASE_URL: db.url, HTTP_TOKEN: 's3cret-token', PUBLIC_URL: publicUrl }),
      );
      const guarded = buildHttpServer({ config, log: createLogger(config, sink), pool: db.pool });
      try {
        // A browser opening the page: cookie set, then a redirect to the clean address.
        const nav = await guarded.inject({
          method: 'GET',
          url: '/units/H18.01?token=s3cret-token&tab=TTTT',
          headers: { accept: 'text/html,application/xhtml+xml', 'sec-fetch-mode': 'navigate' },
        });
        expect(nav.statusCode).toBe(303);
        expect(nav.headers.location).toBe('/units/H18.01?tab=TTTT');
        expect(String(nav.headers.location)).not.toContain('s3cret');
        const cookie = String(nav.headers['set-cookie']);
        expect(cookie).toMatch(/^dvc_token=s3cret-token; HttpOnly; SameSite=Strict; Path=\//);
        expect(cookie.includes('; Secure')).toBe(publicUrl.startsWith('https:'));
        // A script with ?token= (curl, a spreadsheet) gets its data directly.
        const api = await guarded.inject({ method: 'GET', url: '/api/units?token=s3cret-token' });
        expect(api.statusCode).toBe(200);
        // A malformed or foreign cookie is no cookie: 401, never 500.
        for (const bad of [
          'dvc_token=%E0%A4%A',
          'dvc_token=%',
          'dvc_token',
          'dvc_token=a%00b',
          'x=1; dvc_token=%ZZ',
        ]) {
          const r = await guarded.inject({ method: 'GET', url: '/api/units', headers: { cookie: bad } });
          expect(r.statusCode, bad).toBe(401);
        }
      } finally {
        await guarded.close();
      }
    }
    expect(lines.join('')).not.toContain('s3cret-token');
  });
});
