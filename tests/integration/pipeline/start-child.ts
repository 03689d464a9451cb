/**
 * A `start` process for the crash tests: the same wiring as `dvc-index start`, with short job
 * locks and portal-lock ttl so a killed worker's job is taken again within seconds (in
 * production both are a minute). Configuration comes from the environment as usual.
 */
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { runUntilSignal, startPipeline } from '../../../src/main.js';

const config = loadConfig(process.env);
const log = createLogger(config);
const pipeline = await startPipeline(config, log, {
  http: false,
  workers: { lockDurationMs: 3000, stalledIntervalMs: 1000 },
  portalLock: { ttlMs: 3000, pollMs: 100 },
});
await runUntilSignal(pipeline, config, log);
process.exit(0);
