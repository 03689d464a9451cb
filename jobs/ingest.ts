/**
 * ingest: recorded bytes in, stored snapshots out. Loads the run's captures from PostgreSQL
 * (never the portal), assembles one ProvinceDay per period and upserts them all, plus the
 * run's move to `ingested`, in one transaction; then enqueues detect. Running it twice
 * changes nothing; running it after a parser fix corrects the stored rows.
 */
import type { Deps } from '../src/deps.js';
import { parsePeriodKey, periodKey, periodOf } from '../src/domain.js';
import { InputError } from '../src/errors.js';
import { type DetectPayload, type IngestPayload, jobIdFor } from '../src/queue/payloads.js';
import { assembleProvinceDay } from '../src/source/assemble.js';
import { type CallName, provinceByCode } from '../src/source/requests.js';
import type { ProvinceDay } from '../src/source/types.js';
import { loadCaptures, type StoredCapture } from '../src/store/captures.js';
import { withTransaction } from '../src/store/db.js';
import { advanceRun, getRun } from '../src/store/runs.js';
import { type ProvinceDayResult, upsertProvinceDay } from '../src/store/snapshots.js';

export interface IngestSummary {
  readonly units: number;
  readonly scores: number;
  readonly metrics: number;
  readonly changed: number;
  readonly problemCount: number;
  readonly problems: ReadonlyArray<{ periodKey: string; kind: string; message: string }>;
  readonly periods: Readonly<
    Record<string, { units: number; scores: number; metrics: number; problems: number }>
  >;
}

/** Problems kept verbatim in the run summary (the count is always complete). */
const MAX_PROBLEMS_IN_SUMMARY = 50;

export async function ingest(payload: IngestPayload, deps: Deps): Promise<IngestSummary> {
  const run = await getRun(deps.pool, payload.runId);
  if (!run) throw new InputError('runId', `run ${payload.runId} does not exist`);
  const province = provinceByCode(run.provinceCode);
  if (!province) throw new InputError('provinceCode', `"${run.provinceCode}" is not a province code`);
  const captures = await loadCaptures(deps.pool, run.id);
  if (captures.length === 0)
    throw new Error(`run ${run.id} has no stored captures yet; collect must run first`);

  const byPeriod = new Map<string, StoredCapture[]>();
  for (const type of run.periods) byPeriod.set(periodKey(periodOf(type, run.reportDate)), []);
  for (const c of captures) {
    const list = byPeriod.get(c.periodKey) ?? [];
    list.push(c);
    byPeriod.set(c.periodKey, list);
  }

  const days: ProvinceDay[] = [];
  for (const [key, list] of byPeriod) {
    const period = parsePeriodKey(key);
    if (!period) continue;
    days.push(
      assembleProvinceDay({
        provinceId: province.id,
        provinceCode: province.code,
        reportDate: run.reportDate,
        period,
        // Only usable answers: a refused or malformed one is a missing call, reported as a problem.
        captures: list
          .filter(
            (c) =>
              c.errorClass === null && c.httpStatus !== null && c.httpStatus >= 200 && c.httpStatus < 300,
          )
          .map((c) => ({ call: c.endpoint as CallName, page: c.page, body: c.body ?? Buffer.alloc(0) })),
      }),
    );
  }

  const results: ProvinceDayResult[] = [];
  const unitIds = new Set<string>();
  for (const d of days) for (const u of d.units) unitIds.add(u.id);
  const problems = days.flatMap((d) =>
    d.problems.map((p) => ({ periodKey: periodKey(d.period), kind: p.kind, message: p.message })),
  );
  const summary: IngestSummary = await withTransaction(deps.pool, async (client) => {
    for (const d of days) results.push(await upsertProvinceDay(client, run.id, d));
    const s: IngestSummary = {
      units: unitIds.size,
      scores: results.reduce((n, r) => n + r.scores, 0),
      metrics: results.reduce((n, r) => n + r.metrics, 0),
      changed: results.reduce((n, r) => n + r.changed.units + r.changed.scores + r.changed.metrics, 0),
      problemCount: problems.length,
      problems: problems.slice(0, MAX_PROBLEMS_IN_SUMMARY),
      periods: Object.fromEntries(
        results.map((r, i) => [
          r.periodKey,
          { units: r.units, scores: r.scores, metrics: r.metrics, problems: days[i]?.problems.length ?? 0 },
        ]),
      ),
    };
    await advanceRun(client, run.id, 'ingested', { summary: { ingest: s } });
    return s;
  });
  deps.log.info(
    {
      units: summary.units,
      scores: summary.scores,
      metrics: summary.metrics,
      changed: summary.changed,
      problems: summary.problemCount,
    },
    'run ingested',
  );
  const next: DetectPayload = { runId: run.id, provinceCode: run.provinceCode, reportDate: run.reportDate };
  await deps.enqueue('detect', next, jobIdFor('detect', run.provinceCode, run.reportDate));
  return summary;
}
