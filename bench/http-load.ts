/**
 * The load generator of bench/http, run as a separate process so the server under test does
 * not share its event loop: fires GET requests at the given URLs (round robin) with a fixed
 * concurrency until `maxRequests` are done or `maxMs` has passed, reads every body, and
 * prints one JSON line with the latencies. Bounded in count and time by construction.
 *
 *   node --import tsx bench/http-load.ts '<json: {urls, concurrency, maxRequests, maxMs}>'
 */
import { performance } from 'node:perf_hooks';

interface Plan {
  readonly urls: string[];
  readonly concurrency: number;
  readonly maxRequests: number;
  readonly maxMs: number;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as Plan;
const latencies: number[] = [];
const statuses: Record<string, number> = {};
let bytes = 0;
let next = 0;
const start = performance.now();

async function worker(): Promise<void> {
  while (next < plan.maxRequests && performance.now() - start < plan.maxMs) {
    const url = plan.urls[next++ % plan.urls.length]!;
    const t = performance.now();
    const res = await fetch(url);
    const body = await res.arrayBuffer();
    latencies.push(performance.now() - t);
    bytes += body.byteLength;
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  }
}

await Promise.all(Array.from({ length: plan.concurrency }, () => worker()));
const elapsedMs = performance.now() - start;
process.stdout.write(`${JSON.stringify({ latencies, statuses, bytes, elapsedMs })}\n`);
