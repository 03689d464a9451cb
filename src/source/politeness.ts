/**
 * Politeness towards the portal: at most one request in flight, and a minimum gap plus a
 * random jitter between the end of one request and the start of the next (the page load
 * counts as a request). One pacer per client, shared by every session of the process; the
 * request budget is per session. The clock, the randomness and the sleep are injectable so
 * tests can check the arithmetic without waiting.
 */

export interface PacerOptions {
  readonly minGapMs: number;
  readonly jitterMs: number;
  /** Milliseconds since some origin; default `performance.now()`. */
  readonly now?: () => number;
  /** Uniform in [0, 1); default `Math.random`. */
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface Pacer {
  /**
   * Run one request: waits for the previous one to finish and for the gap (+ jitter) after
   * it, then runs `fn`. The end of `fn` (success or failure) starts the next gap.
   */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** How long the last request waited before it started (ms), for logs and tests. */
  readonly lastWaitMs: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Create a pacer (one per portal client). */
export function createPacer(opts: PacerOptions): Pacer {
  const now = opts.now ?? (() => performance.now());
  const random = opts.random ?? Math.random;
  const sleep = opts.sleep ?? realSleep;
  let tail: Promise<unknown> = Promise.resolve();
  let lastEnd: number | null = null;
  let lastWaitMs = 0;

  return {
    get lastWaitMs() {
      return lastWaitMs;
    },
    run<T>(fn: () => Promise<T>): Promise<T> {
      const turn = tail.then(async () => {
        if (lastEnd !== null) {
          const gap = opts.minGapMs + Math.floor(random() * (opts.jitterMs + 1));
          const wait = lastEnd + gap - now();
          lastWaitMs = Math.max(0, wait);
          if (wait > 0) await sleep(wait);
        } else {
          lastWaitMs = 0;
        }
        try {
          return await fn();
        } finally {
          lastEnd = now();
        }
      });
      // The queue continues whatever this request's outcome was.
      tail = turn.catch(() => undefined);
      return turn;
    },
  };
}

/** A session asked for more requests than `PORTAL_MAX_REQUESTS_PER_RUN` allows. */
export class RequestBudgetError extends Error {
  override readonly name = 'RequestBudgetError';
  constructor(
    readonly limit: number,
    readonly url: string,
  ) {
    super(
      `request budget of ${limit} per run exhausted before ${url}; something asks the portal far more than ` +
        'a run needs (runaway paging?). Check the run, or raise PORTAL_MAX_REQUESTS_PER_RUN if it is genuine',
    );
  }
}

export interface RequestBudget {
  /** Count one request; throws {@link RequestBudgetError} when the budget is spent. */
  take(url: string): void;
  readonly used: number;
}

/** The request budget of one session. */
export function createRequestBudget(limit: number): RequestBudget {
  let used = 0;
  return {
    get used() {
      return used;
    },
    take(url: string) {
      if (used >= limit) throw new RequestBudgetError(limit, url);
      used += 1;
    },
  };
}
