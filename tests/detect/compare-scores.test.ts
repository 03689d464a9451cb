import { describe, expect, it } from 'vitest';
import { compareScores, isProvisional, type Observation } from '../../src/detect/compare-scores.js';

const obs = (
  date: string,
  score: number | null,
  maxScore: number | null = 10,
  flags: string[] = [],
): Observation => ({
  date,
  score,
  maxScore,
  flags,
});
const opts = { minDropCents: 1, ignoreProvisional: true };

describe('compareScores', () => {
  const cases: Array<{
    name: string;
    prev: Observation | null;
    cur: Observation | undefined;
    minDropCents?: number;
    ignoreProvisional?: boolean;
    kind: string;
    gapDays?: number;
    deltaCents?: number;
  }> = [
    {
      name: 'any decrease is a fall by default',
      prev: obs('2026-11-01', 6.67),
      cur: obs('2026-11-02', 6.66),
      kind: 'fall',
      deltaCents: -1,
      gapDays: 1,
    },
    {
      name: 'unit missing on the day: never a fall',
      prev: obs('2026-11-01', 6.67),
      cur: undefined,
      kind: 'missing',
    },
    {
      name: 'value became null: never a fall',
      prev: obs('2026-11-01', 6.67),
      cur: obs('2026-11-02', null),
      kind: 'null',
    },
    {
      name: 'start of a new period (no earlier score): never a fall',
      prev: null,
      cur: obs('2026-01-01', 0.5),
      kind: 'first',
    },
    {
      name: 'new max score (formula change): a new epoch, never a fall',
      prev: obs('2026-11-01', 9),
      cur: obs('2026-11-02', 7, 12),
      kind: 'new-epoch',
    },
    {
      name: 'max became null: a new epoch',
      prev: obs('2026-11-01', 9),
      cur: obs('2026-11-02', 7, null),
      kind: 'new-epoch',
    },
    {
      name: 'provisional capture ignored when configured',
      prev: obs('2026-11-01', 9),
      cur: obs('2026-11-02', 5, 10, ['TEMP_NATIONAL_REPORT_DENOMINATOR']),
      kind: 'provisional',
    },
    {
      name: 'provisional capture counts when not ignored',
      prev: obs('2026-11-01', 9),
      cur: obs('2026-11-02', 5, 10, ['TEMP_NATIONAL_REPORT_DENOMINATOR']),
      ignoreProvisional: false,
      kind: 'fall',
      deltaCents: -400,
    },
    {
      name: 'a gap: compared with the last stored day, distance said',
      prev: obs('2026-11-20', 6.5),
      cur: obs('2026-11-26', 6.2),
      kind: 'fall',
      gapDays: 6,
      deltaCents: -30,
    },
    {
      name: 'a gap without decrease is no fall',
      prev: obs('2026-11-20', 6.5),
      cur: obs('2026-11-26', 6.5),
      kind: 'same',
      gapDays: 6,
    },
    {
      name: 'tie exactly at the threshold is a fall',
      prev: obs('2026-11-01', 6.5),
      cur: obs('2026-11-02', 6.0),
      minDropCents: 50,
      kind: 'fall',
      deltaCents: -50,
    },
    {
      name: 'one hundredth below the threshold is not',
      prev: obs('2026-11-01', 6.5),
      cur: obs('2026-11-02', 6.01),
      minDropCents: 50,
      kind: 'small-drop',
      deltaCents: -49,
    },
    {
      name: 'fixed point: 6.67 → 6.37 is exactly 0.30',
      prev: obs('2026-11-01', 6.67),
      cur: obs('2026-11-02', 6.37),
      minDropCents: 30,
      kind: 'fall',
      deltaCents: -30,
    },
    {
      name: 'fixed point: 0.3 → 0.1 at threshold 0.2',
      prev: obs('2026-11-01', 0.3),
      cur: obs('2026-11-02', 0.1),
      minDropCents: 20,
      kind: 'fall',
      deltaCents: -20,
    },
    {
      name: 'unchanged',
      prev: obs('2026-11-01', 6.5),
      cur: obs('2026-11-02', 6.5),
      kind: 'same',
      deltaCents: 0,
    },
    { name: 'rise', prev: obs('2026-11-01', 6.5), cur: obs('2026-11-02', 7), kind: 'rise', deltaCents: 50 },
    {
      name: 'a rise from 0 is a rise, 0 is a value',
      prev: obs('2026-11-01', 0),
      cur: obs('2026-11-02', 0.5),
      kind: 'rise',
      deltaCents: 50,
    },
    {
      name: 'a fall to 0 is a fall (0 is not null)',
      prev: obs('2026-11-01', 2),
      cur: obs('2026-11-02', 0),
      kind: 'fall',
      deltaCents: -200,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = compareScores(c.prev, c.cur, {
        minDropCents: c.minDropCents ?? opts.minDropCents,
        ignoreProvisional: c.ignoreProvisional ?? opts.ignoreProvisional,
      });
      expect(r.kind).toBe(c.kind);
      if (c.gapDays !== undefined) expect(r).toMatchObject({ gapDays: c.gapDays });
      if (c.deltaCents !== undefined) expect(r).toMatchObject({ deltaCents: c.deltaCents });
    });
  }

  it('recognises the portal flags for provisional figures', () => {
    expect(isProvisional(['TEMP_NATIONAL_REPORT_DENOMINATOR'])).toBe(true);
    expect(isProvisional(['PROVISIONAL'])).toBe(true);
    expect(isProvisional(['NO_NATIONAL_REPORT_DATA'])).toBe(false);
    expect(isProvisional([])).toBe(false);
  });
});
