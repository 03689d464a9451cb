import type { Command } from 'commander';
import { createLogger } from '../../logger.js';
import { runUntilSignal, startPipeline } from '../../main.js';
import { action, configFromEnv } from '../run.js';

export function register(program: Command): void {
  program
    .command('start')
    .description(
      'run the scheduler, all four workers and the web server in one process (until SIGTERM/SIGINT)',
    )
    .action(
      action(async () => {
        const config = configFromEnv();
        const log = createLogger(config);
        const pipeline = await startPipeline(config, log);
        await runUntilSignal(pipeline, config, log);
        return 0;
      }),
    );
}
