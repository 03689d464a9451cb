import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { formatDoctor, runDoctor } from '../../ops/doctor.js';
import { action, configFromEnv } from '../run.js';

export function register(program: Command): void {
  program
    .command('doctor')
    .description(
      'check config, PostgreSQL, Redis, the circuit, Chromium, SMTP and the portal (one polite request); exit 1 if any fails, 2 if Chromium is missing',
    )
    .action(
      action(async () => {
        let config: ReturnType<typeof configFromEnv>;
        try {
          config = configFromEnv();
        } catch (e) {
          if (e instanceof ConfigError) process.stdout.write('FAIL  config  see below\n');
          throw e;
        }
        const checks = await runDoctor(config);
        process.stdout.write(formatDoctor(checks));
        // 2 when the machine lacks something (no browser): a rerun cannot pass until it is installed.
        if (checks.some((c) => c.setup)) return 2;
        return checks.some((c) => c.status === 'fail') ? 1 : 0;
      }),
    );
}
