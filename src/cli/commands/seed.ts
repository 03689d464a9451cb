/**
 * `dvc-index seed [--transport direct|browser]`: store the history the replay portal at
 * PORTAL_BASE_URL tells (every scenario day before the latest due one that has no run),
 * through the real pipeline — for the `try` stack. See src/ops/seed.ts.
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { runSeed, type SeedTransport } from '../../ops/seed.js';
import { printableValue } from '../../text.js';
import { action } from '../run.js';

export function parseTransport(value: string | undefined): SeedTransport | undefined {
  if (value === undefined) return undefined;
  if (value === 'direct' || value === 'browser') return value;
  throw new InputError('--transport', `${printableValue(value, 40)} is not direct or browser`);
}

export function register(program: Command): void {
  program
    .command('seed')
    .description(
      'store the days the replay portal at PORTAL_BASE_URL tells (before the latest due one, skipping known days) through the real pipeline; for the try stack, never the real portal',
    )
    .option('--transport <kind>', 'direct (plain HTTP, fast) or browser (Chromium)', 'direct')
    .action(
      action(async (flags: { transport?: string }) => {
        const res = await runSeed(
          process.env,
          { transport: parseTransport(flags.transport) },
          process.stdout,
        );
        return res.days.every((d) => d.run.status === 'done') ? 0 : 1;
      }),
    );
}
