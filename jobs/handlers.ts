/** The job table: queue name = job name = file name → its `(payload, deps)` function. */
import type { JobHandlers } from '../src/queue/worker.js';
import { collect } from './collect.js';
import { detect } from './detect.js';
import { ingest } from './ingest.js';
import { notify } from './notify.js';

export const JOB_HANDLERS: JobHandlers = { collect, ingest, detect, notify };
