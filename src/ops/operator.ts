/**
 * The operator's views of the circuit and the runs, as plain data and text (the commands
 * `circuit` and `runs` print these; tests read them).
 */
import { renderTable } from '../cli/format.js';
import type { CircuitEvent, CircuitState } from '../store/circuit.js';
import type { Run } from '../store/runs.js';

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

/** `runs` as an aligned table, newest first. */
export function formatRunsTable(runs: readonly Run[]): string {
  if (runs.length === 0) return 'no runs yet\n';
  return renderTable(runs, [
    { header: 'run', value: (r) => r.id, align: 'right' },
    { header: 'province', value: (r) => r.provinceCode },
    { header: 'report date', value: (r) => r.reportDate },
    { header: 'trigger', value: (r) => r.trigger },
    { header: 'status', value: (r) => r.status },
    { header: 'attempts', value: (r) => r.attempts, align: 'right' },
    { header: 'requests', value: (r) => r.requestCount, align: 'right' },
    { header: 'started', value: (r) => iso(r.startedAt) },
    { header: 'took (s)', value: (r) => runDurationS(r), align: 'right' },
    {
      header: 'error',
      value: (r) => (r.errorClass ? `${r.errorClass}: ${(r.errorMessage ?? '').slice(0, 80)}` : null),
    },
  ]);
}
