/**
 * The alert state machine, pure: given every stored observation of a set of series (one
 * series = one unit, group and period), replay them in date order and produce the episodes
 * and the events of each report date. Replaying from stored history (rather than patching
 * yesterday's state) is what makes detect idempotent and order-independent: the same scores
 * always give the same episodes, whichever run asked and however often.
 */
import type { ClassBand } from '../config.js';
import { type GroupCode, type IsoDate, type Period, type ScoreGroup, toCents } from '../domain.js';
import {
  type CompareOptions,
  type Comparison,
  compareScores,
  isProvisional,
  type Observation,
} from './compare-scores.js';

export interface Series {
  readonly unitId: string;
  readonly group: ScoreGroup;
  readonly period: Period;
  /** Sorted by date, ascending, one per date. */
  readonly observations: readonly Observation[];
}

export interface DetectOptions {
  /** The province's own unit: its TOTAL falls are flagged as `province-fall`. */
  readonly provinceUnitId: string;
  /** Groups whose falls open episodes. */
  readonly groups: readonly GroupCode[];
  /** Fall threshold per group, in hundredths; TOTAL uses it for the province-fall flag. */
  readonly minDropCents: (group: ScoreGroup) => number;
  readonly ignoreProvisional: boolean;
  /** Classification bands, highest first (config.classBands). */
  readonly bands: readonly ClassBand[];
}

export type EpisodeStatus = 'open' | 'resolved';
export type Resolution = 'recovered' | 'new-epoch';

export interface Episode {
  readonly unitId: string;
  readonly group: GroupCode;
  readonly period: Period;
  readonly maxScore: number;
  status: EpisodeStatus;
  resolution: Resolution | null;
  readonly openedOn: IsoDate;
  /** The score before the fall. */
  readonly baseline: number;
  current: number;
  worst: number;
  lastSeenOn: IsoDate;
  resolvedOn: IsoDate | null;
}

export type EventKind =
  | 'opened'
  | 'worsened'
  | 'recovered'
  | 'closed'
  | 'band-down'
  | 'province-fall'
  | 'new-epoch';

export interface DetectedEvent {
  readonly kind: EventKind;
  readonly reportDate: IsoDate;
  readonly unitId: string;
  readonly group: ScoreGroup;
  readonly period: Period;
  readonly before: number | null;
  readonly after: number | null;
  readonly comparedOn: IsoDate | null;
  readonly gapDays: number | null;
  /** The episode's opening date, for episode events. */
  readonly episodeOpenedOn: IsoDate | null;
  /** band labels, epoch max scores, resolution, … */
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface DetectResult {
  readonly episodes: Episode[];
  readonly events: DetectedEvent[];
}

/** Position of a score in the bands (0 = best); null for a null score. */
export function bandIndex(bands: readonly ClassBand[], score: number | null): number | null {
  if (score === null || bands.length === 0) return null;
  const cents = Math.round(score * 100);
  const i = bands.findIndex((b) => cents >= Math.round(b.min * 100));
  return i === -1 ? bands.length - 1 : i;
}

function comparedFields(c: Comparison): {
  before: number | null;
  comparedOn: IsoDate | null;
  gapDays: number | null;
} {
  if (c.kind === 'fall' || c.kind === 'small-drop' || c.kind === 'same' || c.kind === 'rise')
    return { before: c.before, comparedOn: c.previousDate, gapDays: c.gapDays };
  if (c.kind === 'new-epoch') return { before: null, comparedOn: c.previousDate, gapDays: null };
  return { before: null, comparedOn: null, gapDays: null };
}

/** Replay one monitored-group series into episodes and events. */
function replayGroupSeries(s: Series & { group: GroupCode }, opts: DetectOptions, out: DetectResult): void {
  const cmpOpts: CompareOptions = {
    minDropCents: opts.minDropCents(s.group),
    ignoreProvisional: opts.ignoreProvisional,
  };
  let previous: Observation | null = null;
  let open: Episode | null = null;
  const base = { unitId: s.unitId, group: s.group, period: s.period };
  for (const obs of s.observations) {
    const c = compareScores(previous, obs, cmpOpts);
    const after = obs.score;
    const ev = (kind: EventKind, detail: Record<string, unknown> = {}, episode: Episode | null = open) =>
      out.events.push({
        kind,
        reportDate: obs.date,
        ...base,
        ...comparedFields(c),
        after,
        episodeOpenedOn: episode?.openedOn ?? null,
        detail,
      });
    switch (c.kind) {
      case 'missing':
      case 'null':
      case 'provisional':
        // Nothing is inferred from a day without a usable value; the base stays as it was.
        continue;
      case 'first':
        previous = obs;
        continue;
      case 'new-epoch':
        ev('new-epoch', { fromMax: c.fromMax, toMax: c.toMax }, null);
        if (open) {
          open.status = 'resolved';
          open.resolution = 'new-epoch';
          open.resolvedOn = obs.date;
          ev('closed', { resolution: 'new-epoch' });
          open = null;
        }
        previous = obs;
        continue;
      default: {
        const score = c.after;
        if (open === null) {
          if (c.kind === 'fall') {
            open = {
              ...base,
              maxScore: obs.maxScore as number,
              status: 'open',
              resolution: null,
              openedOn: obs.date,
              baseline: c.before,
              current: score,
              worst: score,
              lastSeenOn: obs.date,
              resolvedOn: null,
            };
            out.episodes.push(open);
            ev('opened', { deltaCents: c.deltaCents });
          }
        } else if ((toCents(score) as number) >= (toCents(open.baseline) as number)) {
          open.status = 'resolved';
          open.resolution = 'recovered';
          open.resolvedOn = obs.date;
          open.current = score;
          open.lastSeenOn = obs.date;
          ev('recovered', { baseline: open.baseline, worst: open.worst });
          open = null;
        } else {
          open.current = score;
          open.lastSeenOn = obs.date;
          if ((toCents(score) as number) < (toCents(open.worst) as number)) open.worst = score;
          if (c.kind === 'fall') ev('worsened', { deltaCents: c.deltaCents, baseline: open.baseline });
        }
        previous = obs;
      }
    }
  }
}

/** Replay one TOTAL series: band crossings down, and the province's own fall. */
function replayTotalSeries(s: Series, opts: DetectOptions, out: DetectResult): void {
  const cmpOpts: CompareOptions = {
    minDropCents: opts.minDropCents('TOTAL'),
    ignoreProvisional: opts.ignoreProvisional,
  };
  let previous: Observation | null = null;
  for (const obs of s.observations) {
    const c = compareScores(previous, obs, cmpOpts);
    if (c.kind === 'missing' || c.kind === 'null' || c.kind === 'provisional') continue;
    previous = obs;
    if (c.kind !== 'fall' && c.kind !== 'small-drop') continue;
    const common = {
      reportDate: obs.date,
      unitId: s.unitId,
      group: s.group,
      period: s.period,
      before: c.before,
      after: c.after,
      comparedOn: c.previousDate,
      gapDays: c.gapDays,
      episodeOpenedOn: null,
    };
    const from = bandIndex(opts.bands, c.before);
    const to = bandIndex(opts.bands, c.after);
    if (from !== null && to !== null && to > from)
      out.events.push({
        ...common,
        kind: 'band-down',
        detail: { fromBand: opts.bands[from]?.label, toBand: opts.bands[to]?.label },
      });
    if (c.kind === 'fall' && s.unitId === opts.provinceUnitId)
      out.events.push({ ...common, kind: 'province-fall', detail: { deltaCents: c.deltaCents } });
  }
}

/**
 * Replay every series. Monitored groups give episodes (`opened`, `worsened`, `recovered`,
 * `closed` on a formula change) and `new-epoch` notes; TOTAL series give `band-down` for any
 * unit and `province-fall` for the province. Other groups are ignored.
 */
export function detectEpisodes(series: readonly Series[], opts: DetectOptions): DetectResult {
  const out: DetectResult = { episodes: [], events: [] };
  for (const s of series) {
    const obs = [...s.observations].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    const sorted = { ...s, observations: obs };
    if (s.group === 'TOTAL') replayTotalSeries(sorted, opts, out);
    else if ((opts.groups as readonly string[]).includes(s.group))
      replayGroupSeries(sorted as Series & { group: GroupCode }, opts, out);
  }
  return out;
}

export { isProvisional };
