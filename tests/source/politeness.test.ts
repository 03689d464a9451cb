import { describe, expect, it } from 'vitest';
import { createPacer, createRequestBudget, RequestBudgetError } from '../../src/source/politeness.js';

/** A virtual clock: sleeping advances it, nothing waits for real. */
function virtualClock() {
  let t = 1000;
  const sleeps: number[] = [];
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

describe('createPacer', () => {
  it('keeps the minimum gap plus jitter between the end of one request and the start of the next', async () => {
    const clock = virtualClock();
    const randoms = [0.5, 0.999, 0];
    const pacer = createPacer({
      minGapMs: 2000,
      jitterMs: 500,
      now: clock.now,
      random: () => randoms.shift() ?? 0,
      sleep: clock.sleep,
    });
    const spans: Array<[number, number]> = [];
    const request = (ms: number) => async () => {
      const start = clock.now();
      clock.advance(ms);
      spans.push([start, clock.now()]);
    };
    await pacer.run(request(100)); // first request: no wait
    expect(pacer.lastWaitMs).toBe(0);
    await pacer.run(request(300)); // gap 2000 + floor(0.5 * 501) = 2250
    await pacer.run(request(50)); // gap 2000 + floor(0.999 * 501) = 2500
    clock.advance(5000); // idle long enough: no wait
    await pacer.run(request(10));
    expect(clock.sleeps).toEqual([2250, 2500]);
    expect(spans[1]![0] - spans[0]![1]).toBe(2250);
    expect(spans[2]![0] - spans[1]![1]).toBe(2500);
    expect(spans[3]![0] - spans[2]![1]).toBe(5000);
    expect(pacer.lastWaitMs).toBe(0);
  });

  it('never has two requests in flight, and a failed request still starts the gap', async () => {
    const clock = virtualClock();
    const pacer = createPacer({ minGapMs: 100, jitterMs: 0, now: clock.now, sleep: clock.sleep });
    let inFlight = 0;
    let maxInFlight = 0;
    const order: string[] = [];
    const request =
      (name: string, fail = false) =>
      async () => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        order.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, 5));
        clock.advance(10);
        inFlight -= 1;
        order.push(`end ${name}`);
        if (fail) throw new Error(`${name} failed`);
        return name;
      };
    const results = await Promise.allSettled([
      pacer.run(request('a')),
      pacer.run(request('b', true)),
      pacer.run(request('c')),
    ]);
    expect(maxInFlight).toBe(1);
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(clock.sleeps).toEqual([100, 100]);
  });

  it('really waits with the default clock', async () => {
    const pacer = createPacer({ minGapMs: 30, jitterMs: 0 });
    let end = 0;
    await pacer.run(async () => {
      end = performance.now();
    });
    let start = 0;
    await pacer.run(async () => {
      start = performance.now();
    });
    // setTimeout may fire up to ~1 ms early in rounding; the gap is what matters.
    expect(start - end).toBeGreaterThanOrEqual(28);
  });
});

describe('createRequestBudget', () => {
  it('counts requests and refuses the one past the limit, naming the setting', () => {
    const budget = createRequestBudget(2);
    budget.take('/a');
    budget.take('/b');
    expect(budget.used).toBe(2);
    expect(() => budget.take('/c')).toThrow(RequestBudgetError);
    expect(() => budget.take('/c')).toThrow(/PORTAL_MAX_REQUESTS_PER_RUN/);
    expect(budget.used).toBe(2);
  });
});
