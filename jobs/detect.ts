/**
 * detect: replay the province's stored scores of the run's periods through the alert rules,
 * store the episodes and events, write the run's digest into the outbox, enqueue notify.
 *
 * Idempotent and order-independent: the rules replay every stored score of the periods the
 * run covers, up to the latest report date already detected (the horizon), so running detect
 * twice, or for an earlier date after later ones (a late run, a re-ingest), converges on the
 * same episodes and events; what changed for an earlier date is corrected, later episodes
 * are recomputed, and no mail already written is written again.
 */
import { type Config, minDropFor } from '../src/config.js';
import type { Deps } from '../src/deps.js';
import { type DetectedEvent, detectEpisodes, type Series } from '../src/detect/detect-episodes.js';
import { explainFall, type FallReason } from '../src/detect/explain-fall.js';
import { type IsoDate, isGroupCode, type Period, periodKey, type ScoreGroup } from '../src/domain.js';
import type { Logger } from '../src/logger.js';
import { queueDigest } from '../src/notify/queue-digest.js';
import { queueUnitMails } from '../src/notify/unit-mail.js';
import { type DetectPayload, jobIdFor, type NotifyPayload } from '../src/queue/payloads.js';
import {
  detectionHorizon,
  findProvinceUnit,
  loadDigestFacts,
  loadMetrics,
  loadSeries,
  lockProvince,
  type MetricKey,
  metricKey,
  periodsOn,
  saveDetection,
} from '../src/store/alerts.js';
import { type Pool, withTransaction } from '../src/store/db.js';

export interface DetectSummary {
  readonly provinceCode: string;
  readonly reportDate: IsoDate;
  /** Events of the report date by kind. */
  readonly counts: Readonly<Record<string, number>>;
  readonly digest: { key: string; created: boolean; due: boolean } | null;
}

const cents = (points: number) => Math.round(points * 100);

/** Run the rules for one province and report date and store the result (no enqueue). */
export async function runDetect(
  pool: Pool,
  config: Config,
  log: Logger,
  q: { provinceCode: string; reportDate: IsoDate; runId: string | null },
): Promise<DetectSummary> {
  const provinceCode = q.provinceCode.toUpperCase();
  const province = await findProvinceUnit(pool, provinceCode);
  if (!province) {
    log.warn({ provinceCode }, 'no stored unit for the province; nothing to detect');
    return { provinceCode, reportDate: q.reportDate, counts: {}, digest: null };
  }
  const groups: ScoreGroup[] = [...config.alertGroups, 'TOTAL'];
  const counts = await withTransaction(pool, async (db) => {
    await lockProvince(db, provinceCode);
    const stored = await detectionHorizon(db, provinceCode);
    const horizon = stored !== null && stored > q.reportDate ? stored : q.reportDate;
    const periods = await periodsOn(db, province.id, q.reportDate, config.alertPeriods);
    const series: Series[] = await loadSeries(db, {
      provinceUnitId: province.id,
      groups,
      periods,
      upTo: horizon,
    });
    const result = detectEpisodes(series, {
      provinceUnitId: province.id,
      groups: config.alertGroups,
      minDropCents: (g) => cents(isGroupCode(g) ? minDropFor(config, g) : config.alertMinDrop),
      ignoreProvisional: config.alertIgnoreProvisional,
      bands: config.classBands,
    });
    // Only what can have changed is written: events from the run's date on, and episodes that
    // are open or moved since then. Earlier ones were written by earlier detects, identically.
    const since = q.reportDate;
    const episodeKey = (e: { unitId: string; group: string; period: Period }, openedOn: string | null) =>
      `${e.unitId}|${e.group}|${periodKey(e.period)}|${openedOn}`;
    const touched = result.episodes.filter(
      (ep) =>
        ep.status === 'open' ||
        ep.openedOn >= since ||
        ep.lastSeenOn >= since ||
        (ep.resolvedOn ?? '') >= since,
    );
    const touchedKeys = new Set(touched.map((ep) => episodeKey(ep, ep.openedOn)));
    const falls = result.events.filter((e) => e.kind === 'opened' || e.kind === 'worsened');
    // An episode's reasons are those of its latest fall (events are in date order per series).
    const lastFall = new Map<string, DetectedEvent>();
    for (const e of falls) {
      const k = episodeKey(e, e.episodeOpenedOn);
      if (touchedKeys.has(k)) lastFall.set(k, e);
    }
    const explained = new Set([...falls.filter((e) => e.reportDate >= since), ...lastFall.values()]);
    // Why it fell: the sub-metrics on the compared day and on the fall's day.
    const keys: MetricKey[] = [...explained].flatMap((e) => [
      { unitId: e.unitId, group: e.group, period: e.period, date: e.reportDate },
      ...(e.comparedOn ? [{ unitId: e.unitId, group: e.group, period: e.period, date: e.comparedOn }] : []),
    ]);
    const metrics = await loadMetrics(db, keys);
    const reasonsOf = new Map<DetectedEvent, FallReason[]>();
    for (const e of explained) {
      const after = metrics.get(
        metricKey({ unitId: e.unitId, group: e.group, period: e.period, date: e.reportDate }),
      );
      const before = e.comparedOn
        ? metrics.get(metricKey({ unitId: e.unitId, group: e.group, period: e.period, date: e.comparedOn }))
        : undefined;
      reasonsOf.set(e, explainFall(before ?? [], after ?? []));
    }
    const events = result.events
      .filter((e) => e.reportDate >= since)
      .map((e) => (reasonsOf.has(e) ? { ...e, reasons: reasonsOf.get(e) } : e));
    const episodes = touched.map((ep) => {
      const fall = lastFall.get(episodeKey(ep, ep.openedOn));
      return { ...ep, reasons: (fall && reasonsOf.get(fall)) ?? [] };
    });
    const counts: Record<string, number> = {};
    for (const e of events) if (e.reportDate === q.reportDate) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
    await saveDetection(db, {
      provinceCode,
      provinceUnitId: province.id,
      reportDate: q.reportDate,
      runId: q.runId,
      groups,
      periods,
      since,
      episodes,
      events,
      counts,
    });
    return counts;
  });
  const facts = await loadDigestFacts(pool, province, provinceCode, q.reportDate);
  // Units with contacts hear about their own falls and recoveries first, so the office's
  // digest can say which were told.
  const units = await queueUnitMails(pool, config, facts, q.runId);
  const digest = await queueDigest(pool, config, facts, q.runId, units.told);
  if (digest.due && config.alertTo.length === 0)
    log.warn({ provinceCode, reportDate: q.reportDate }, 'ALERT_TO is empty; digest not written');
  log.info(
    {
      provinceCode,
      reportDate: q.reportDate,
      counts,
      digestCreated: digest.created,
      unitMails: units.created,
    },
    'detect finished',
  );
  return { provinceCode, reportDate: q.reportDate, counts, digest };
}

export async function detect(payload: DetectPayload, deps: Deps): Promise<void> {
  const summary = await runDetect(deps.pool, deps.config, deps.log, {
    provinceCode: payload.provinceCode,
    reportDate: payload.reportDate,
    runId: payload.runId,
  });
  // Always enqueued: notify sends every due mail (this digest, leftovers of earlier runs) and
  // its completion ends the run; with nothing due it returns at once.
  const next: NotifyPayload = { runId: payload.runId, reason: summary.digest?.due ? 'digest' : 'run' };
  await deps.enqueue('notify', next, jobIdFor('notify', payload.provinceCode, payload.reportDate));
}
