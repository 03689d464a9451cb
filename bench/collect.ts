/**
 * bench/collect — the portal client (browser transport, real Chromium) against the replay
 * portal in scenario mode with 100 ms added latency and no politeness gap:
 * - requests per province-day (goal: 1 page load + 8 API calls per period),
 * - wall time per run,
 * - Chromium's peak memory (sum of RSS over the browser's process tree, from /proc, sampled
 *   every 100 ms; PSS as well at rest),
 * - memory after 100 consecutive runs vs after 10 (goal: within 10 %).
 * Bounded: 100 runs or 10 minutes, whichever comes first. Run: `npx tsx bench/collect.ts`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadConfig } from '../src/config.js';
import { type Period, periodOf } from '../src/domain.js';
import { createLogger } from '../src/logger.js';
import type { Scenario } from '../src/replay/scenario.js';
import { startReplayPortal } from '../src/replay/server.js';
import type { BrowserPortalClient } from '../src/source/browser.js';
import { collectCalls } from '../src/source/collect-calls.js';
import { createPortalClient } from '../src/source/portal-client.js';
import { planProvincePeriod } from '../src/source/requests.js';

const RUNS = 100;
const EARLY = 10;
const LATENCY_MS = 100;
const DEADLINE_MS = 10 * 60_000;
const REPORT_DATE = '2026-11-26';
const DIEN_BIEN = { id: '019d2be3-6a85-74ec-a341-16615c474af4', code: 'H18', name: 'UBND tỉnh Điện Biên' };

/** A small province: 4 agencies and 12 communes, one report date. */
function benchScenario(): Scenario {
  const units: Scenario['units'] = [];
  const values: Record<string, Record<string, number>> = {};
  for (let i = 0; i < 16; i++) {
    const agency = i < 4;
    const code = agency ? `H18.${String(i + 1).padStart(2, '0')}` : `H18.${100 + i}`;
    units.push({
      id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      code,
      name: agency ? `Sở thứ ${i + 1} - tỉnh Điện Biên` : `UBND xã Thử ${i}`,
      kind: agency ? 'agency' : 'commune',
    });
    const f = (i % 5) / 10;
    values[code] = { CKMB: 9 + f, TDGQ: 15 + f, CLGQ: 7 + f, TTTT: 5 + f, MDSH: 9 + f, MDHL: 14 + f };
  }
  return {
    version: 1,
    description: 'bench/collect: a small province',
    province: DIEN_BIEN,
    units,
    base: { units: values },
    days: { [REPORT_DATE]: {} },
  };
}

// ---- /proc: the browser's process tree -------------------------------------------------

function readProcs(): Array<{ pid: number; ppid: number }> {
  const out: Array<{ pid: number; ppid: number }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may contain spaces and parentheses.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(name), ppid: Number(rest[1]) });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** Every descendant of this process (Playwright's Chromium and its helpers). */
function browserTree(): number[] {
  const procs = readProcs();
  const children = new Map<number, number[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const out: number[] = [];
  const stack = [...(children.get(process.pid) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

function kbField(file: string, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Sum of RSS (MiB) over the browser's process tree; PSS too when asked (smaps_rollup walks
 * page tables: too costly for the 100 ms sampler, fine at rest).
 */
function browserMemory(withPss = false): { rssMiB: number; pssMiB: number; processes: number } {
  const pids = browserTree();
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    rss += kbField(`/proc/${pid}/status`, 'VmRSS');
    if (withPss) pss += kbField(`/proc/${pid}/smaps_rollup`, 'Pss');
  }
  return { rssMiB: rss / 1024, pssMiB: pss / 1024, processes: pids.length };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const mib = (n: number) => `${n.toFixed(0)} MiB`;
const pct = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)} %`;

/** Memory at rest: the median of 5 samples, 200 ms apart, after a settle. */
async function memoryAtRest(): Promise<{
  rssMiB: number;
  pssMiB: number;
  processes: number;
  heapMiB: number;
}> {
  await sleep(1000);
  const samples: Array<ReturnType<typeof browserMemory>> = [];
  for (let i = 0; i < 5; i++) {
    samples.push(browserMemory(true));
    await sleep(200);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    rssMiB: median(samples.map((s) => s.rssMiB)),
    pssMiB: median(samples.map((s) => s.pssMiB)),
    processes: median(samples.map((s) => s.processes)),
    heapMiB: process.memoryUsage().heapUsed / 1024 / 1024,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const portal = await startReplayPortal(
    { scenario: benchScenario() },
    { port: 0, latencyMs: LATENCY_MS, date: REPORT_DATE },
  );
  const config = loadConfig({
    PORTAL_BASE_URL: portal.url,
    PORTAL_TRANSPORT: 'browser',
    PORTAL_MIN_GAP_MS: '0',
    PORTAL_JITTER_MS: '0',
    PORTAL_TIMEOUT_MS: '30000',
    LOG_LEVEL: 'silent',
  });
  const client = createPortalClient(config, createLogger(config)) as BrowserPortalClient;

  let peak = { rssMiB: 0, processes: 0 };
  const sampler = setInterval(() => {
    const m = browserMemory();
    if (m.rssMiB > peak.rssMiB) peak = { rssMiB: m.rssMiB, processes: m.processes };
  }, 100);

  try {
    process.stdout.write(
      `bench/collect: replay portal (scenario, ${LATENCY_MS} ms latency), PORTAL_MIN_GAP_MS=0, ` +
        `Chromium ${config.chromiumPath}\n\n`,
    );

    // 1. One province-day: year, quarter and month in one session.
    const periods: Period[] = (['year', 'quarter', 'month'] as const).map((t) => periodOf(t, REPORT_DATE));
    portal.resetRequests();
    const daySession = await client.openSession();
    const perPeriod: string[] = [];
    const dayStart = performance.now();
    try {
      for (const p of periods) {
        const before = portal.requests().length;
        const res = await collectCalls(
          daySession,
          planProvincePeriod(DIEN_BIEN.id, p),
          async () => undefined,
        );
        if (res.failures.length > 0) throw res.failures[0]!.error;
        perPeriod.push(`${p.type} ${portal.requests().length - before}`);
      }
    } finally {
      await daySession.close();
    }
    const dayLog = portal.requests();
    const pageLoads = dayLog.filter((e) => e.call === 'page').length;
    const apiCalls = dayLog.filter((e) => e.call !== 'page' && !e.fromPageScript).length;
    process.stdout.write(
      `requests per province-day (3 periods): ${dayLog.length} = ${pageLoads} page load + ${apiCalls} API calls ` +
        `(${(apiCalls / periods.length).toFixed(0)} per period; goal 1 + 8 per period); ` +
        `session count ${daySession.requestCount}; API calls by period: ${perPeriod.join(', ')}\n`,
    );
    process.stdout.write(
      `wall time of that province-day: ${(performance.now() - dayStart).toFixed(0)} ms\n\n`,
    );

    // 2. Consecutive runs (one period, a fresh context each), memory after 10 and after 100.
    const times: number[] = [];
    const requests: number[] = [];
    let early: Awaited<ReturnType<typeof memoryAtRest>> | null = null;
    let late: Awaited<ReturnType<typeof memoryAtRest>> | null = null;
    const year = periods[0]!;
    for (let i = 1; i <= RUNS; i++) {
      if (Date.now() - started > DEADLINE_MS) {
        process.stdout.write(
          `stopped after ${i - 1} runs: the ${DEADLINE_MS / 60_000}-minute bound was reached\n`,
        );
        break;
      }
      portal.resetRequests();
      const t0 = performance.now();
      const session = await client.openSession();
      try {
        const res = await collectCalls(
          session,
          planProvincePeriod(DIEN_BIEN.id, year),
          async () => undefined,
        );
        if (res.failures.length > 0) throw res.failures[0]!.error;
      } finally {
        await session.close();
      }
      times.push(performance.now() - t0);
      requests.push(portal.requests().length);
      if (i === EARLY) early = await memoryAtRest();
      if (i === RUNS) late = await memoryAtRest();
    }
    const sorted = [...times].sort((a, b) => a - b);
    const q = (f: number) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))]!;
    process.stdout.write(
      `runs: ${times.length} × (1 page load + 8 calls), requests per run ${Math.min(...requests)}–${Math.max(...requests)}\n` +
        `wall time per run: median ${q(0.5).toFixed(0)} ms, p95 ${q(0.95).toFixed(0)} ms, ` +
        `min ${sorted[0]!.toFixed(0)} ms, max ${sorted[sorted.length - 1]!.toFixed(0)} ms ` +
        `(floor: 8 × ${LATENCY_MS} ms latency)\n`,
    );
    process.stdout.write(
      `Chromium peak memory: RSS sum ${mib(peak.rssMiB)} over ${peak.processes} processes (sampled every 100 ms)\n`,
    );
    if (early && late) {
      process.stdout.write(
        `memory after ${EARLY} runs:  RSS ${mib(early.rssMiB)}, PSS ${mib(early.pssMiB)}, ${early.processes} processes, ` +
          `node heap ${mib(early.heapMiB)}\n` +
          `memory after ${RUNS} runs: RSS ${mib(late.rssMiB)}, PSS ${mib(late.pssMiB)}, ${late.processes} processes, ` +
          `node heap ${mib(late.heapMiB)}\n` +
          `change 10 → 100 runs: RSS ${pct(early.rssMiB, late.rssMiB)}, PSS ${pct(early.pssMiB, late.pssMiB)} ` +
          `(goal: RSS within 10 %) → ${Math.abs(late.rssMiB - early.rssMiB) / early.rssMiB <= 0.1 ? 'met' : 'NOT met'}\n`,
      );
    }
    process.stdout.write(`open contexts at the end: ${client.openContexts()}\n`);
  } finally {
    clearInterval(sampler);
    await client.close();
    await portal.close();
  }
}

await main();
