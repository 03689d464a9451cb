/**
 * detect: compare the run's new snapshots with the previous ones and open / update / resolve
 * alert episodes (body: the alerts work), then enqueue notify for the run.
 */
import type { Deps } from '../src/deps.js';
import { type DetectPayload, jobIdFor, type NotifyPayload } from '../src/queue/payloads.js';

export async function detect(payload: DetectPayload, deps: Deps): Promise<void> {
  const next: NotifyPayload = { runId: payload.runId, reason: 'run' };
  await deps.enqueue('notify', next, jobIdFor('notify', payload.provinceCode, payload.reportDate));
}
