import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { formatDoctor, runDoctor } from '../../ops/doctor.js';
import { action, configFromEnv } from '../run.js';

export function register(program: Command): void {
  program
    .command('doctor')
    .description(
      'check config, PostgreSQL, Redis, the circuit, Chromium, SMTP and the portal (one polite request); exit 1 if any fails',
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
        return checks.some((c) => c.status === 'fail') ? 1 : 0;
      }),
    );
}
