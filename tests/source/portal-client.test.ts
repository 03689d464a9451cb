/**
 * Both transports, real Chromium, against the replay portal in recordings and scenario mode:
 * every fault becomes the right error class, blocks are never retried, extra pages are
 * followed, contexts are closed after errors, and the pacer's gap holds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Period } from '../../src/domain.js';
import { PortalBlockedError, PortalFormatError, PortalUnavailableError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import type { FaultRule, ReplayPortal, RequestLogEntry } from '../../src/replay/server.js';
import { startReplayPortal } from '../../src/replay/server.js';
import { assembleProvinceDay } from '../../src/source/assemble.js';
import type { BrowserPortalClient } from '../../src/source/browser.js';
import { type CollectedCalls, collectCalls } from '../../src/source/collect-calls.js';
import { directHeaders } from '../../src/source/direct.js';
import { parseCapture } from '../../src/source/parse-capture.js';
import { RequestBudgetError } from '../../src/source/politeness.js';
import { createPortalClient } from '../../src/source/portal-client.js';
import type { PortalClient, RawResponse } from '../../src/source/portal-types.js';
import { CALLS, planProvincePeriod } from '../../src/source/requests.js';
import { testEnv } from '../helpers/env.js';
import { DIEN_BIEN_ID, PHU_THO_ID, RECORDINGS_DIR, readRecording } from '../helpers/recordings.js';
import { SMALL_DATES, smallScenario } from './small-scenario.js';

const YEAR_2026: Period = { type: 'year', year: 2026, number: 0 };
/** Timeout of the clients that meet a hang; the others get a roomy one (the machine is shared). */
const TIMEOUT_MS = 2000;
const ROOMY_TIMEOUT_MS = 20_000;
const TRANSPORTS = ['browser', 'direct'] as const;
type Transport = (typeof TRANSPORTS)[number];

let recordings: ReplayPortal;
let scenario: ReplayPortal;
const clients: PortalClient[] = [];

beforeAll(async () => {
  recordings = await startReplayPortal({ recordingsDir: RECORDINGS_DIR }, { port: 0 });
  scenario = await startReplayPortal({ scenario: smallScenario() }, { port: 0, date: SMALL_DATES[1] });
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await recordings?.close();
  await scenario?.close();
});

function makeClient(
  transport: Transport,
  portal: ReplayPortal,
  env: Record<string, string> = {},
): PortalClient {
  const config = loadConfig(
    testEnv({
      PORTAL_BASE_URL: portal.url,
      PORTAL_TRANSPORT: transport,
      PORTAL_TIMEOUT_MS: String(ROOMY_TIMEOUT_MS),
      ...env,
    }),
  );
  const client = createPortalClient(config, createLogger(config));
  clients.push(client);
  return client;
}

interface Outcome {
  result: CollectedCalls | null;
  error: Error | null;
  captured: Array<{ raw: RawResponse; error: Error | null }>;
  requestCount: number;
}

async function run(client: PortalClient, provinceId: string): Promise<Outcome> {
  const captured: Outcome['captured'] = [];
  const session = await client.openSession();
  try {
    const result = await collectCalls(
      session,
      planProvincePeriod(provinceId, YEAR_2026),
      async (raw, error) => {
        captured.push({ raw, error });
      },
    );
    return { result, error: null, captured, requestCount: session.requestCount };
  } catch (e) {
    return { result: null, error: e as Error, captured, requestCount: session.requestCount };
  } finally {
    await session.close();
  }
}

/** Requests the client sent (the page's own script is never let through). */
function apiCalls(log: RequestLogEntry[]): Array<string | null> {
  return log.filter((e) => e.call !== 'page').map((e) => e.call);
}

const MODES = [
  { mode: 'recordings', portal: () => recordings, provinceId: PHU_THO_ID, noRecording: ['service-results'] },
  { mode: 'scenario', portal: () => scenario, provinceId: DIEN_BIEN_ID, noRecording: [] as string[] },
] as const;

type FaultCase = {
  kind: FaultRule['kind'];
  cls: unknown;
  blockKind?: string;
  /** Whether an HTTP answer came back (then onCapture saw it). */
  answered: boolean;
  /** Format faults: the run goes on. */
  continues?: boolean;
};
const FAULTS: FaultCase[] = [
  { kind: '403', cls: PortalBlockedError, blockKind: 'waf-page', answered: true },
  { kind: '429', cls: PortalBlockedError, blockKind: 'http-429', answered: true },
  { kind: 'login', cls: PortalBlockedError, blockKind: 'login-page', answered: true },
  { kind: '500', cls: PortalUnavailableError, answered: true },
  { kind: '502', cls: PortalUnavailableError, answered: true },
  { kind: '503', cls: PortalUnavailableError, answered: true },
  { kind: 'maintenance', cls: PortalUnavailableError, answered: true },
  { kind: 'hang', cls: PortalUnavailableError, answered: false },
  { kind: 'drop', cls: PortalUnavailableError, answered: false },
  { kind: 'invalid-json', cls: PortalFormatError, answered: true, continues: true },
  { kind: 'code-not-ok', cls: PortalFormatError, answered: true, continues: true },
];

describe.each(TRANSPORTS)('%s transport', (transport) => {
  describe.each(MODES)('$mode mode', ({ portal, provinceId, noRecording }) => {
    let client: PortalClient;
    let hangClient: PortalClient;
    beforeAll(() => {
      client = makeClient(transport, portal());
      hangClient = makeClient(transport, portal(), { PORTAL_TIMEOUT_MS: String(TIMEOUT_MS) });
    });
    const resetPortal = (faults: FaultRule[] = []) => {
      portal().resetRequests();
      portal().setFaults(faults);
    };
    const openContexts = () =>
      client.transport === 'browser' ? (client as BrowserPortalClient).openContexts() : 0;

    it('sends the page load (browser) and the 8 calls, in order, once each', async () => {
      resetPortal();
      const out = await run(client, provinceId);
      expect(out.error, out.error?.message).toBeNull();
      const log = portal().requests();
      expect(log.filter((e) => e.fromPageScript)).toEqual([]);
      expect(log.filter((e) => e.call === 'page')).toHaveLength(transport === 'browser' ? 1 : 0);
      expect(apiCalls(log)).toEqual([...CALLS]);
      expect(out.requestCount).toBe(transport === 'browser' ? 9 : 8);
      expect(out.captured.map((c) => c.raw.call)).toEqual([...CALLS]);
      expect(out.result!.failures.map((f) => f.call.call)).toEqual(noRecording);
      for (const f of out.result!.failures) expect(f.error).toBeInstanceOf(PortalFormatError);
      expect(openContexts()).toBe(0);
    });

    it.each(FAULTS)('turns the $kind fault into $cls.name', async (f) => {
      resetPortal([{ call: 'transparency', kind: f.kind, onRequest: 1 }]);
      const out = await run(f.kind === 'hang' ? hangClient : client, provinceId);
      const log = portal().requests();
      if (f.continues) expect(out.error, out.error?.message).toBeNull();
      else expect(out.error, out.error?.message).toBeInstanceOf(f.cls);
      // Never retried inside the client: exactly one request for the faulted call.
      expect(log.filter((e) => e.call === 'transparency')).toHaveLength(1);
      expect(out.captured.some((c) => c.raw.call === 'transparency')).toBe(f.answered);
      if (f.continues) {
        expect(out.error, out.error?.message).toBeNull();
        expect(apiCalls(log)).toEqual([...CALLS]);
        const failed = out.result!.failures.map((x) => x.call.call);
        expect(failed.sort()).toEqual([...noRecording, 'transparency'].sort());
        const failure = out.result!.failures.find((x) => x.call.call === 'transparency')!;
        expect(failure.error).toBeInstanceOf(PortalFormatError);
        expect((failure.error as PortalFormatError).field).toBe(
          f.kind === 'invalid-json' ? '(body)' : 'code',
        );
      } else {
        expect(out.error).toBeInstanceOf(f.cls);
        // The run stopped at the faulted call: nothing after it was asked.
        expect(apiCalls(log)).toEqual(['national', 'service-results', 'transparency']);
        if (f.blockKind) {
          const err = out.error as PortalBlockedError;
          expect(err.kind).toBe(f.blockKind);
          expect(err.url).toBe(`${portal().url}/api/v1/reporting/evaluation/transparency`);
          if (f.kind === '403') expect(err.supportId).toMatch(/^\d{6,}$/);
        }
      }
      // The captured answer is the one the classification saw, handed over first.
      const cap = out.captured.find((c) => c.raw.call === 'transparency');
      if (cap && !f.continues) expect(cap.error).toBeInstanceOf(f.cls);
      expect(openContexts()).toBe(0);
    });

    it('follows a second page the answer proves, right after the first', async () => {
      resetPortal([{ call: 'transparency', kind: 'second-page', onRequest: 1 }]);
      const out = await run(client, provinceId);
      expect(out.error, out.error?.message).toBeNull();
      const log = portal().requests();
      const pages = log
        .filter((e) => e.call === 'transparency')
        .map((e) => (e.body as { currentPage: number }).currentPage);
      expect(pages).toEqual([1, 2]);
      expect(apiCalls(log)).toEqual([
        'national',
        'service-results',
        'transparency',
        'transparency',
        ...CALLS.slice(3),
      ]);
      const bodies = out.result!.responses.filter((r) => r.call === 'transparency');
      expect(bodies.map((r) => r.page)).toEqual([1, 2]);
      // Every page repeats the province's overview; its units are split between the two.
      const units = bodies.flatMap((r) =>
        parseCapture('transparency', r.body)
          .units.filter((u) => u.kind !== 'province')
          .map((u) => u.id),
      );
      expect(new Set(units).size).toBe(units.length);
      expect(units.length).toBeGreaterThan(0);
      expect(out.result!.failures.map((x) => x.call.call)).toEqual(noRecording);
    });

    it('hands over a missing field as a usable envelope; the parser names the field', async () => {
      resetPortal([{ call: 'transparency', kind: 'missing-field', onRequest: 1 }]);
      const out = await run(client, provinceId);
      expect(out.error, out.error?.message).toBeNull();
      const raw = out.result!.responses.find((r) => r.call === 'transparency')!;
      expect(() => parseCapture('transparency', raw.body)).toThrow(PortalFormatError);
    });
  });

  describe('recordings mode, Phú Thọ (H44)', () => {
    it('gives the recorded bytes exactly and says which call has no recording', async () => {
      const client = makeClient(transport, recordings);
      recordings.resetRequests();
      recordings.setFaults([]);
      const out = await run(client, PHU_THO_ID);
      expect(out.error, out.error?.message).toBeNull();
      const byCall = new Map(out.result!.responses.map((r) => [r.call, r]));
      expect(byCall.get('transparency')!.status).toBe(201);
      expect(byCall.get('transparency')!.contentType).toMatch(/^application\/json/);
      expect(
        byCall
          .get('transparency')!
          .body.equals(readRecording('qd766-phutho-2026-09/transparency/year-all.json')),
      ).toBe(true);
      expect(
        byCall
          .get('formality-online-payment-tree')!
          .body.equals(readRecording('qd766-phutho-2026-09/formality-online-payment-tree/year-all.json')),
      ).toBe(true);
      expect(out.result!.failures).toHaveLength(1);
      const failure = out.result!.failures[0]!;
      expect(failure.call.call).toBe('service-results');
      expect(failure.periodKey).toBe('2026');
      expect(failure.error.message).toMatch(/no recording/);
    });
  });

  describe('scenario mode, assembled', () => {
    it('reports a unit left out of one group as a problem, never as 0', async () => {
      const client = makeClient(transport, scenario);
      scenario.resetRequests();
      const missing = '00000000-0000-4000-8000-000000000101';
      scenario.setFaults([
        { call: 'formality-online-payment-tree', kind: 'missing-unit', unitId: missing, onRequest: 1 },
      ]);
      const out = await run(client, DIEN_BIEN_ID);
      expect(out.error, out.error?.message).toBeNull();
      expect(out.result!.failures).toEqual([]);
      const day = assembleProvinceDay({
        provinceId: DIEN_BIEN_ID,
        provinceCode: 'H18',
        reportDate: SMALL_DATES[1],
        period: YEAR_2026,
        captures: out.result!.responses.map((r) => ({ call: r.call, page: r.page, body: r.body })),
      });
      expect(
        day.problems.some((p) => p.kind === 'missing-unit' && p.unitId === missing && p.group === 'TTTT'),
      ).toBe(true);
      expect(day.scores.find((s) => s.unitId === missing && s.group === 'TTTT')?.score ?? null).toBeNull();
      // The day's change in the scenario arrives: Sở Y tế's TTTT 4.2 on 2026-11-26.
      const soYTe = '00000000-0000-4000-8000-000000000001';
      expect(day.scores.find((s) => s.unitId === soYTe && s.group === 'TTTT')?.score).toBe(4.2);
    });
  });

  describe('politeness', () => {
    it('keeps the minimum gap between requests (replay log timestamps)', async () => {
      const client = makeClient(transport, scenario, { PORTAL_MIN_GAP_MS: '250', PORTAL_JITTER_MS: '50' });
      scenario.resetRequests();
      scenario.setFaults([]);
      const out = await run(client, DIEN_BIEN_ID);
      expect(out.error, out.error?.message).toBeNull();
      const times = scenario.requests().map((e) => Date.parse(e.at));
      expect(times).toHaveLength(transport === 'browser' ? 9 : 8);
      for (let i = 1; i < times.length; i++) {
        // Arrival-to-arrival ≥ gap (the gap runs from the end of one answer); 5 ms clock slack.
        expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(245);
      }
    });

    it('stops a session at its request budget', async () => {
      const client = makeClient(transport, scenario, { PORTAL_MAX_REQUESTS_PER_RUN: '5' });
      scenario.resetRequests();
      scenario.setFaults([]);
      const out = await run(client, DIEN_BIEN_ID);
      expect(out.error).toBeInstanceOf(RequestBudgetError);
      expect(scenario.requests()).toHaveLength(5);
      expect(out.requestCount).toBe(5);
    });
  });
});

describe('browser transport only', () => {
  let client: BrowserPortalClient;
  let hangClient: BrowserPortalClient;
  beforeAll(() => {
    client = makeClient('browser', scenario) as BrowserPortalClient;
    hangClient = makeClient('browser', scenario, {
      PORTAL_TIMEOUT_MS: String(TIMEOUT_MS),
    }) as BrowserPortalClient;
  });

  it.each([
    { kind: '403' as const, cls: PortalBlockedError },
    { kind: '429' as const, cls: PortalBlockedError },
    { kind: '503' as const, cls: PortalUnavailableError },
    { kind: 'maintenance' as const, cls: PortalUnavailableError },
    { kind: 'login' as const, cls: PortalBlockedError },
    { kind: 'hang' as const, cls: PortalUnavailableError },
    { kind: 'drop' as const, cls: PortalUnavailableError },
  ])(
    'refuses the session when the page load gets $kind, and leaves no context open',
    async ({ kind, cls }) => {
      scenario.resetRequests();
      scenario.setFaults([{ call: 'page', kind, onRequest: 1 }]);
      const c = kind === 'hang' ? hangClient : client;
      const err = await c.openSession().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(cls);
      if (kind === '403') expect((err as PortalBlockedError).supportId).toMatch(/^\d{6,}$/);
      const log = scenario.requests();
      expect(
        log.map((e) => e.call),
        JSON.stringify(log.map((e) => [e.method, e.path, e.status, e.at])),
      ).toEqual(['page']);
      expect(c.openContexts()).toBe(0);
      expect(c.isConnected()).toBe(true);
    },
  );

  it('ends a hang within the configured timeout, closes the context, and the next session works', async () => {
    scenario.resetRequests();
    scenario.setFaults([{ call: 'national', kind: 'hang', onRequest: 1 }]);
    const session = await hangClient.openSession();
    expect(hangClient.openContexts()).toBe(1);
    const started = Date.now();
    const err = await session.call(planProvincePeriod(DIEN_BIEN_ID, YEAR_2026)[0]!).then(
      () => null,
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(PortalUnavailableError);
    expect((err as Error).message).toMatch(new RegExp(`${TIMEOUT_MS} ms`));
    // Ended by the client's own timeout, not by the test's: well before the outer guard + slack.
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 10_000);
    await session.close();
    await session.close(); // idempotent
    expect(hangClient.openContexts()).toBe(0);
    await expect(session.call(planProvincePeriod(DIEN_BIEN_ID, YEAR_2026)[0]!)).rejects.toThrow(/closed/);

    scenario.setFaults([]);
    const out = await run(hangClient, DIEN_BIEN_ID);
    expect(out.error, out.error?.message).toBeNull();
    expect(hangClient.openContexts()).toBe(0);
  });

  it('relaunches Chromium for the next session after the browser went away', async () => {
    await client.close();
    expect(client.isConnected()).toBe(false);
    scenario.resetRequests();
    scenario.setFaults([]);
    const out = await run(client, DIEN_BIEN_ID);
    expect(out.error, out.error?.message).toBeNull();
    expect(client.isConnected()).toBe(true);
    expect(client.browserVersion()).toMatch(/^\d+\./);
  });
});

/** Chromium main processes started by this test process (Debian's wrapper execs the binary). */
function chromiumChildren(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && comm === 'chromium') out.push(Number(name));
    } catch {
      // gone while we looked
    }
  }
  return out;
}

describe('browser crash', () => {
  it('fails the open session as unavailable and relaunches Chromium for the next one', async () => {
    const before = chromiumChildren();
    const client = makeClient('browser', scenario) as BrowserPortalClient;
    scenario.resetRequests();
    scenario.setFaults([]);
    const session = await client.openSession();
    const mine = chromiumChildren().filter((pid) => !before.includes(pid));
    expect(mine).toHaveLength(1);
    process.kill(mine[0]!, 'SIGKILL');
    const err = await session.call(planProvincePeriod(DIEN_BIEN_ID, YEAR_2026)[0]!).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PortalUnavailableError);
    await session.close(); // the context went with the browser: closing is still safe
    for (let i = 0; i < 50 && client.isConnected(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(client.isConnected()).toBe(false);

    const out = await run(client, DIEN_BIEN_ID);
    expect(out.error, out.error?.message).toBeNull();
    expect(client.isConnected()).toBe(true);
    expect(client.openContexts()).toBe(0);
    const relaunched = chromiumChildren().filter((pid) => !before.includes(pid));
    expect(relaunched).toHaveLength(1);
    expect(relaunched[0]).not.toBe(mine[0]);
  });
});

describe('direct transport headers', () => {
  it('folds the default User-Agent (QĐ766) into ASCII, as HTTP headers require', () => {
    const ua = directHeaders(loadConfig(testEnv()))['User-Agent']!;
    expect(ua).toMatch(/^dvc-index\/[\d.]+ \(QD766 index monitor/);
    expect(ua).toMatch(/^[\x20-\x7e]+$/);
  });

  it('names the tool and sends the evaluation page as Origin and Referer', () => {
    const config = loadConfig(
      testEnv({ PORTAL_BASE_URL: 'http://127.0.0.1:9/', PORTAL_USER_AGENT: 'dvc-index/test' }),
    );
    expect(directHeaders(config)).toEqual({
      Accept: 'application/json, text/plain, */*',
      'Content-Type': 'application/json',
      'User-Agent': 'dvc-index/test',
      Origin: 'http://127.0.0.1:9',
      Referer: 'http://127.0.0.1:9/danh-gia-chat-luong-phuc-vu',
    });
  });
});
