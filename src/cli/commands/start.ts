import type { Command } from 'commander';
import { createLogger } from '../../logger.js';
import { runUntilSignal, startPipeline } from '../../main.js';
import { preflight } from '../../ops/preflight.js';
import { withChromium } from '../../source/find-chromium.js';
import { action, configFromEnv } from '../run.js';

export function register(program: Command): void {
  program
    .command('start')
    .description(
      'run the scheduler, all four workers and the web server in one process (until SIGTERM/SIGINT)',
    )
    .action(
      action(async () => {
        // No browser: stop now with the install line, not at the first job.
        const config = withChromium(configFromEnv());
        const log = createLogger(config);
        // Services reachable and Redis non-evicting, or a message naming the variable to fix;
        // the pipeline applies the migrations itself.
        await preflight({ ...config, migrateOnStart: false }, log);
        const pipeline = await startPipeline(config, log);
        await runUntilSignal(pipeline, config, log);
        return 0;
      }),
    );
}
