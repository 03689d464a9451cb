/**
 * The operator's views of the circuit and the runs, as plain data and text (the commands
 * `circuit` and `runs` print these; tests read them).
 */
import { renderTable } from '../cli/format.js';
import type { CircuitEvent, CircuitState } from '../store/circuit.js';
import type { Run } from '../store/runs.js';
import { escapeControlChars } from '../text.js';

const iso = (d: Date | null) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : null);

/** `circuit status` text: the state, and the latest events. */
export function formatCircuitStatus(state: CircuitState, events: readonly CircuitEvent[]): string {
  const lines: string[] = [];
  if (state.state === 'open') {
    lines.push(
      `circuit for ${state.host}: OPEN since ${iso(state.openedAt)}`,
      `  reason: ${state.reason ?? '–'}`,
      `  support id: ${state.supportId ?? '–'}`,
      '  collection is stopped; once the portal lets us in again run:',
      '    dvc-index circuit close --reason "<what changed>"',
    );
  } else {
    lines.push(`circuit for ${state.host}: closed`);
    if (state.closedAt)
      lines.push(
        `  last closed ${iso(state.closedAt)} by ${state.closedBy ?? '–'}: ${state.closeReason ?? '–'}`,
      );
  }
  // Reasons and support ids quote the portal's page and the operator: shown, never obeyed.
  for (let i = 0; i < lines.length; i++) lines[i] = escapeControlChars(lines[i]!);
  if (events.length > 0) {
    lines.push('', 'recent events:');
    lines.push(
      renderTable(events, [
        { header: 'at', value: (e) => iso(e.at) },
        { header: 'action', value: (e) => e.action },
        { header: 'reason', value: (e) => e.reason },
        { header: 'support id', value: (e) => e.supportId },
      ]).trimEnd(),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Seconds from start to finish, or null when the run has not both. */
export function runDurationS(run: Run): number | null {
  if (!run.startedAt || !run.finishedAt) return null;
  return Math.round((run.finishedAt.getTime() - run.startedAt.getTime()) / 100) / 10;
}

/** The JSON shape of `runs --format json` (one object per run, dates as ISO strings). */
export function runToJson(run: Run): Record<string, unknown> {
  return {
    id: run.id,
    provinceCode: run.provinceCode,
    reportDate: run.reportDate,
    trigger: run.trigger,
    status: run.status,
    periods: run.periods,
    attempts: run.attempts,
    requestCount: run.requestCount,
    errorClass: run.errorClass,
    errorMessage: run.errorMessage,
    createdAt: iso(run.createdAt),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    durationS: runDurationS(run),
    summary: run.summary,
  };
}

interface SummaryProblem {
  readonly periodKey?: string;
  readonly kind?: string;
  readonly message?: string;
}

/** The ingest problems of a run's summary: the count, by kind, and those kept verbatim. */
export function runProblems(run: Run): {
  count: number;
  kinds: Record<string, number>;
  listed: SummaryProblem[];
} {
  const ingest = (run.summary as { ingest?: Record<string, unknown> } | null)?.ingest;
  const listed = Array.isArray(ingest?.problems) ? (ingest.problems as SummaryProblem[]) : [];
  const kinds =
    ingest?.problemKinds && typeof ingest.problemKinds === 'object'
      ? (ingest.problemKinds as Record<string, number>)
      : Object.fromEntries(
          [...new Set(listed.map((p) => p.kind ?? '?'))].map((k) => [
            k,
            listed.filter((p) => p.kind === k).length,
          ]),
        );
  const count = typeof ingest?.problemCount === 'number' ? ingest.problemCount : listed.length;
  return { count, kinds, listed };
}

/** Problems that mean a value the portal sent was refused (shown under the runs table). */
const REFUSED_KINDS = new Set(['invalid-value', 'duplicate-unit', 'unit-not-stored']);
/** How many refused values are spelled out per run under the table. */
const REFUSED_SHOWN = 5;

function problemsCell(run: Run): string | null {
  const { count, kinds } = runProblems(run);
  if (count === 0) return run.summary && 'ingest' in (run.summary as object) ? '0' : null;
  const parts = Object.entries(kinds)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`);
  return `${count} (${parts.join(', ')})`;
}

/**
 * `runs` as an aligned table, newest first, with each run's ingest problems counted by kind;
 * under it, the values the portal sent that were refused (nulled or left out), so that an
 * operator sees which unit, group and value without opening the JSON.
 */
export function formatRunsTable(runs: readonly Run[]): string {
  if (runs.length === 0) return 'no runs yet\n';
  const table = renderTable(runs, [
    { header: 'run', value: (r) => r.id, align: 'right' },
    { header: 'province', value: (r) => r.provinceCode },
    { header: 'report date', value: (r) => r.reportDate },
    { header: 'trigger', value: (r) => r.trigger },
    { header: 'status', value: (r) => r.status },
    { header: 'attempts', value: (r) => r.attempts, align: 'right' },
    { header: 'requests', value: (r) => r.requestCount, align: 'right' },
    { header: 'started', value: (r) => iso(r.startedAt) },
    { header: 'took (s)', value: (r) => runDurationS(r), align: 'right' },
    { header: 'problems', value: (r) => problemsCell(r) },
    {
      header: 'error',
      value: (r) => (r.errorClass ? `${r.errorClass}: ${(r.errorMessage ?? '').slice(0, 80)}` : null),
    },
  ]);
  const notes: string[] = [];
  for (const r of runs) {
    const refused = runProblems(r).listed.filter((p) => REFUSED_KINDS.has(p.kind ?? ''));
    if (refused.length === 0) continue;
    notes.push(
      `run ${r.id} (${r.provinceCode} ${r.reportDate}): values refused, the rest of the day stored:`,
    );
    for (const p of refused.slice(0, REFUSED_SHOWN))
      notes.push(`  [${p.periodKey ?? '?'}] ${p.kind}: ${escapeControlChars(p.message ?? '')}`);
    if (refused.length > REFUSED_SHOWN)
      notes.push(`  … ${refused.length - REFUSED_SHOWN} more (dvc-index runs --format json)`);
  }
  return notes.length > 0 ? `${table}\n${notes.join('\n')}\n` : table;
}
