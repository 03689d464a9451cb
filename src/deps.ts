/**
 * What a job or a face needs from the outside world, built once by the process (see
 * `createDeps`, added by the pipeline work) and smaller in tests.
 */
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { QueueName } from './queue/payloads.js';
import type { PortalClient } from './source/portal-types.js';
import type { Pool } from './store/db.js';

export interface Deps {
  readonly config: Config;
  readonly log: Logger;
  readonly pool: Pool;
  readonly portal: PortalClient;
  /** Add a job to a stage's queue under a deterministic id (a no-op when that id exists). */
  enqueue(queue: QueueName, payload: object, jobId: string): Promise<void>;
  /** The clock; injected so tests and the demo can step through days. */
  now(): Date;
}
