/**
 * notify: send every due mail in the outbox (the run's digest, operator mails, leftovers of
 * earlier runs). SMTP down → the job throws a retryable error and the mails stay pending; a
 * retried job never sends a mail twice (claims with a lease, see src/notify/send-outbox.ts).
 */
import type { Deps } from '../src/deps.js';
import { sendDueMails } from '../src/notify/send-outbox.js';
import type { NotifyPayload } from '../src/queue/payloads.js';

export async function notify(payload: NotifyPayload, deps: Deps): Promise<void> {
  const res = await sendDueMails(deps.pool, deps.config, deps.log, deps.now());
  deps.log.info({ runId: payload.runId, reason: payload.reason, ...res }, 'notify finished');
}
