import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { runDemo } from '../../ops/demo.js';
import { action, checkInputFile, checkOutputDir } from '../run.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'run the whole pipeline against a local replay portal (Điện Biên scenario) with local PostgreSQL and Redis; print the report, histories and alerts',
    )
    .option('--days <n>', 'only the first N report dates of the scenario (default: all 20)')
    .option('--outbox <dir>', 'where the mails go as .eml files (default: a new temp folder)')
    .option('--scenario <file>', 'another scenario file (default: scenarios/dien-bien-demo.json)')
    .action(
      action(async (opts: { days?: string; outbox?: string; scenario?: string }) => {
        let days: number | undefined;
        if (opts.days !== undefined) {
          days = Number(opts.days);
          if (!Number.isInteger(days) || days < 1)
            throw new InputError('--days', `"${opts.days}" is not a whole number ≥ 1`);
        }
        if (opts.scenario !== undefined) await checkInputFile(opts.scenario, '--scenario');
        if (opts.outbox !== undefined) await checkOutputDir(opts.outbox, '--outbox');
        const res = await runDemo(
          process.env,
          { days, outbox: opts.outbox, scenario: opts.scenario },
          process.stdout,
        );
        return res.days.every((d) => d.run.status === 'done') ? 0 : 1;
      }),
    );
}
