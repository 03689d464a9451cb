/** notify: send what the outbox holds for a run (body: the alerts work). */
import type { Deps } from '../src/deps.js';
import type { NotifyPayload } from '../src/queue/payloads.js';

export async function notify(payload: NotifyPayload, deps: Deps): Promise<void> {
  deps.log.debug({ runId: payload.runId }, 'nothing to send');
}
