/**
 * ingest: recorded bytes in, stored snapshots out. Loads the run's captures from PostgreSQL
 * (never the portal), assembles one ProvinceDay per period and upserts them all, plus the
 * run's move to `ingested`, in one transaction; then enqueues detect. Running it twice
 * changes nothing; running it after a parser fix corrects the stored rows.
 */
import type { Deps } from '../src/deps.js';
import { parsePeriodKey, periodKey, periodOf } from '../src/domain.js';
import { InputError } from '../src/errors.js';
import { recordFormatFailures } from '../src/notify/operator.js';
import { type DetectPayload, type IngestPayload, jobIdFor } from '../src/queue/payloads.js';
import { assembleProvinceDay, UNUSABLE_ANSWER } from '../src/source/assemble.js';
import { type CallName, provinceByCode } from '../src/source/requests.js';
import type { Problem, ProvinceDay } from '../src/source/types.js';
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
  /** How many problems of each kind (complete, like the count). */
  readonly problemKinds: Readonly<Record<string, number>>;
  /**
   * The problems, values refused first (invalid-value, duplicate-unit, unit-not-stored), then
   * gaps; at most {@link MAX_PROBLEMS_IN_SUMMARY}.
   */
  readonly problems: ReadonlyArray<IngestProblem>;
  readonly periods: Readonly<
    Record<string, { units: number; scores: number; metrics: number; problems: number }>
  >;
}

export interface IngestProblem {
  readonly periodKey: string;
  readonly kind: string;
  readonly message: string;
  readonly call?: string;
  readonly unitId?: string;
  readonly group?: string;
  readonly field?: string;
  readonly value?: string;
}

/** Problems kept verbatim in the run summary (the count is always complete). */
const MAX_PROBLEMS_IN_SUMMARY = 50;

/** Kinds that mean a value the portal sent was refused: listed first, logged as a warning. */
export const VALUE_PROBLEM_KINDS: readonly string[] = ['invalid-value', 'duplicate-unit', 'unit-not-stored'];

function toIngestProblem(key: string, p: Problem): IngestProblem {
  return {
    periodKey: key,
    kind: p.kind,
    message: p.message,
    ...(p.call !== undefined ? { call: p.call } : {}),
    ...(p.unitId !== undefined ? { unitId: p.unitId } : {}),
    ...(p.group !== undefined ? { group: p.group } : {}),
    ...(p.field !== undefined ? { field: p.field } : {}),
    ...(p.value !== undefined ? { value: p.value } : {}),
  };
}

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
  const summary: IngestSummary = await withTransaction(deps.pool, async (client) => {
    const problems: IngestProblem[] = [];
    const perPeriod: [string, { units: number; scores: number; metrics: number; problems: number }][] = [];
    for (const d of days) {
      const r = await upsertProvinceDay(client, run.id, d);
      results.push(r);
      const key = periodKey(d.period);
      const dayProblems = d.problems.map((p) => toIngestProblem(key, p));
      for (const id of r.notStored) {
        const u = d.units.find((x) => x.id === id);
        dayProblems.push({
          periodKey: key,
          kind: 'unit-not-stored',
          unitId: id,
          message: `${u?.code ?? ''}${u?.code ? ' ' : ''}(${id}) is new and no answer gave it a usable name: nothing of it is stored for this day`,
        });
      }
      problems.push(...dayProblems);
      perPeriod.push([
        r.periodKey,
        {
          units: r.units - r.notStored.length,
          scores: r.scores,
          metrics: r.metrics,
          problems: dayProblems.length,
        },
      ]);
    }
    const kinds: Record<string, number> = {};
    for (const p of problems) kinds[p.kind] = (kinds[p.kind] ?? 0) + 1;
    const valueFirst = [
      ...problems.filter((p) => VALUE_PROBLEM_KINDS.includes(p.kind)),
      ...problems.filter((p) => !VALUE_PROBLEM_KINDS.includes(p.kind)),
    ];
    const s: IngestSummary = {
      units: unitIds.size - new Set(results.flatMap((r) => r.notStored)).size,
      scores: results.reduce((n, r) => n + r.scores, 0),
      metrics: results.reduce((n, r) => n + r.metrics, 0),
      changed: results.reduce((n, r) => n + r.changed.units + r.changed.scores + r.changed.metrics, 0),
      problemCount: problems.length,
      problemKinds: kinds,
      problems: valueFirst.slice(0, MAX_PROBLEMS_IN_SUMMARY),
      periods: Object.fromEntries(perPeriod),
    };
    await advanceRun(client, run.id, 'ingested', { summary: { ingest: s } });
    return s;
  });
  const refused = summary.problems.filter((p) => VALUE_PROBLEM_KINDS.includes(p.kind));
  const refusedCount = VALUE_PROBLEM_KINDS.reduce((n, k) => n + (summary.problemKinds[k] ?? 0), 0);
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
  if (refusedCount > 0)
    deps.log.warn(
      { refused: refusedCount, examples: refused.slice(0, 5).map((p) => p.message) },
      'values the portal sent were refused (nulled or left out); the rest of the day is stored',
    );
  // Answers the portal sent but nobody can read (classified as such when collected, or refused
  // by the parser now): the operator hears of them once per day; the run's notify sends it.
  const unusable = [
    ...captures
      .filter((c) => c.errorClass === 'PortalFormatError')
      .map((c) => ({ call: c.endpoint, periodKey: c.periodKey, error: c.errorMessage ?? '' })),
    ...[...byPeriod.keys()].flatMap((key) =>
      (days.find((d) => periodKey(d.period) === key)?.problems ?? [])
        .filter((p) => p.kind === 'missing-call' && p.message.includes(`: ${UNUSABLE_ANSWER} (`))
        .map((p) => ({ call: p.call ?? '', periodKey: key, error: p.message })),
    ),
  ];
  if (unusable.length > 0) {
    deps.log.warn(
      { unusable: unusable.length, calls: unusable.map((u) => u.call) },
      'unusable answers; operator told',
    );
    await recordFormatFailures(deps.pool, deps.config, {
      provinceCode: run.provinceCode,
      reportDate: run.reportDate,
      failures: unusable,
    });
  }
  const next: DetectPayload = { runId: run.id, provinceCode: run.provinceCode, reportDate: run.reportDate };
  await deps.enqueue('detect', next, jobIdFor('detect', run.provinceCode, run.reportDate));
  return summary;
}
