import { describe, expect, it } from 'vitest';
import { loadConfig, minDropFor } from '../../src/config.js';
import type { Observation } from '../../src/detect/compare-scores.js';
import {
  bandIndex,
  type DetectOptions,
  detectEpisodes,
  type Series,
} from '../../src/detect/detect-episodes.js';
import { addDays, isGroupCode, type ScoreGroup } from '../../src/domain.js';
import { testEnv } from '../helpers/env.js';

const PROVINCE = 'p-0';
const UNIT = 'u-1';
const year = { type: 'year' as const, year: 2026, number: 0 };

/** Observations from day 1 (2026-11-01) on; `undefined` = no row that day (a gap). */
function days(
  values: Array<number | null | undefined | [number | null, number | null, string[]?]>,
): Observation[] {
  const out: Observation[] = [];
  values.forEach((v, i) => {
    if (v === undefined) return;
    const date = addDays('2026-11-01', i);
    if (Array.isArray(v)) out.push({ date, score: v[0], maxScore: v[1], flags: v[2] ?? [] });
    else out.push({ date, score: v, maxScore: 10, flags: [] });
  });
  return out;
}

function optionsFrom(env: Record<string, string> = {}): DetectOptions {
  const config = loadConfig(testEnv(env));
  return {
    provinceUnitId: PROVINCE,
    groups: config.alertGroups,
    minDropCents: (g: ScoreGroup) =>
      Math.round((isGroupCode(g) ? minDropFor(config, g) : config.alertMinDrop) * 100),
    ignoreProvisional: config.alertIgnoreProvisional,
    bands: config.classBands,
  };
}

const series = (observations: Observation[], group: ScoreGroup = 'TTTT', unitId = UNIT): Series => ({
  unitId,
  group,
  period: year,
  observations,
});

const kinds = (r: ReturnType<typeof detectEpisodes>) =>
  r.events.map((e) => `${e.reportDate.slice(8)}:${e.kind}`);

describe('detectEpisodes', () => {
  it('opens on a fall with the score before as baseline, worsens, and resolves at the baseline', () => {
    const r = detectEpisodes([series(days([6.5, 6.0, 5.8, 6.2, 6.5, 6.1]))], optionsFrom());
    expect(kinds(r)).toEqual(['02:opened', '03:worsened', '05:recovered', '06:opened']);
    expect(r.episodes).toHaveLength(2);
    expect(r.episodes[0]).toMatchObject({
      status: 'resolved',
      resolution: 'recovered',
      openedOn: '2026-11-02',
      baseline: 6.5,
      worst: 5.8,
      current: 6.5,
      lastSeenOn: '2026-11-05',
      resolvedOn: '2026-11-05',
    });
    expect(r.episodes[1]).toMatchObject({
      status: 'open',
      baseline: 6.5,
      current: 6.1,
      openedOn: '2026-11-06',
    });
  });

  it('mentions an episode once when it opens and once when it recovers, however long it lasts', () => {
    const r = detectEpisodes([series(days([8, 7, 7, 7.2, 7.4, 7.4, 7.9, 8.1]))], optionsFrom());
    expect(kinds(r)).toEqual(['02:opened', '08:recovered']);
    expect(r.episodes[0]).toMatchObject({ worst: 7, current: 8.1, resolvedOn: '2026-11-08' });
  });

  it('a partial rise keeps the episode open and a small drop below the threshold is no new mention', () => {
    const r = detectEpisodes([series(days([8, 7, 7.5, 7.3]))], optionsFrom({ ALERT_MIN_DROP: '0.5' }));
    expect(kinds(r)).toEqual(['02:opened']);
    expect(r.episodes[0]).toMatchObject({ status: 'open', current: 7.3, worst: 7 });
  });

  it('per-group thresholds: a 0.30 drop opens MDSH but not TTTT when ALERT_MIN_DROP_TTTT=0.5', () => {
    const opts = optionsFrom({ ALERT_MIN_DROP_TTTT: '0.5' });
    const r = detectEpisodes([series(days([6.5, 6.2]), 'TTTT'), series(days([9.5, 9.2]), 'MDSH')], opts);
    expect(r.events.map((e) => `${e.group}:${e.kind}`)).toEqual(['MDSH:opened']);
    const tie = detectEpisodes(
      [series(days([6.5, 6.0]), 'TTTT'), series(days([6.5, 6.01]), 'TTTT', 'u-2')],
      opts,
    );
    expect(tie.events.map((e) => `${e.unitId}:${e.kind}`)).toEqual(['u-1:opened']);
  });

  it('never a fall: null, a missing day, provisional captures (when ignored), a new period', () => {
    const r = detectEpisodes(
      [series(days([6.5, null, undefined, [5, 10, ['TEMP_NATIONAL_REPORT_DENOMINATOR']], 6.5]))],
      optionsFrom({ ALERT_IGNORE_PROVISIONAL: 'true' }),
    );
    expect(r.events).toEqual([]);
    const counted = detectEpisodes(
      [series(days([6.5, [5, 10, ['TEMP_NATIONAL_REPORT_DENOMINATOR']]]))],
      optionsFrom({ ALERT_IGNORE_PROVISIONAL: 'false' }),
    );
    expect(kinds(counted)).toEqual(['02:opened']);
    // A new period is its own series: its first day has nothing to compare with.
    const q4 = { type: 'quarter' as const, year: 2026, number: 4 };
    const newPeriod = detectEpisodes(
      [
        { ...series(days([9.5])), period: { type: 'quarter', year: 2026, number: 3 } },
        { ...series(days([undefined, 0.4])), period: q4 },
      ],
      optionsFrom(),
    );
    expect(newPeriod.events).toEqual([]);
  });

  it('after a null or a gap the next value is compared with the last stored one, and says how far apart', () => {
    const r = detectEpisodes([series(days([6.5, null, undefined, undefined, 6.0]))], optionsFrom());
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({
      kind: 'opened',
      reportDate: '2026-11-05',
      before: 6.5,
      after: 6,
      comparedOn: '2026-11-01',
      gapDays: 4,
    });
  });

  it('a formula change is a new epoch: no fall, and an open episode is closed, not recovered', () => {
    const r = detectEpisodes([series(days([8, 7, [6, 12], [5.5, 12], [6, 12]]))], optionsFrom());
    expect(kinds(r)).toEqual(['02:opened', '03:new-epoch', '03:closed', '04:opened', '05:recovered']);
    expect(r.episodes[0]).toMatchObject({
      status: 'resolved',
      resolution: 'new-epoch',
      resolvedOn: '2026-11-03',
    });
    expect(r.episodes[1]).toMatchObject({ maxScore: 12, baseline: 6, resolution: 'recovered' });
  });

  it('flags a unit whose TOTAL crosses a band down (Tốt → Khá), not a fall inside a band', () => {
    const r = detectEpisodes([series(days([80.1, 79.9, 75, 70, 69.99]), 'TOTAL')], optionsFrom());
    expect(r.events.map((e) => [e.reportDate.slice(8), e.kind, e.detail])).toEqual([
      ['02', 'band-down', { fromBand: 'Tốt', toBand: 'Khá' }],
      ['05', 'band-down', { fromBand: 'Khá', toBand: 'Trung bình' }],
    ]);
    expect(r.episodes).toEqual([]);
  });

  it("flags the province's own TOTAL fall, and its group falls open episodes like any unit", () => {
    const r = detectEpisodes(
      [
        series(days([78.4, 78.1, 78.1]), 'TOTAL', PROVINCE),
        series(days([78.4, 78.1]), 'TOTAL', UNIT),
        series(days([6.67, 6.5]), 'TTTT', PROVINCE),
      ],
      optionsFrom(),
    );
    expect(r.events.map((e) => `${e.unitId}:${e.group}:${e.kind}`)).toEqual([
      'p-0:TOTAL:province-fall',
      'p-0:TTTT:opened',
    ]);
  });

  it('ignores groups that are not monitored and replays unsorted input in date order', () => {
    const obs = days([6.5, 6.0]).reverse();
    expect(detectEpisodes([series(obs, 'CKMB')], optionsFrom()).events).toEqual([]);
    expect(kinds(detectEpisodes([series(obs, 'TTTT')], optionsFrom()))).toEqual(['02:opened']);
    expect(kinds(detectEpisodes([series(obs, 'CKMB')], optionsFrom({ ALERT_GROUPS: 'CKMB' })))).toEqual([
      '02:opened',
    ]);
  });

  it('bandIndex follows the configured bands, null stays null', () => {
    const bands = optionsFrom().bands;
    expect(bandIndex(bands, 90)).toBe(0);
    expect(bandIndex(bands, 80)).toBe(1);
    expect(bandIndex(bands, 79.99)).toBe(2);
    expect(bandIndex(bands, null)).toBeNull();
  });
});
