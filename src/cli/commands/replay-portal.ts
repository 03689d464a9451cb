/**
 * `dvc-index replay-portal`: the local stand-in for dichvucong.gov.vn that tests and the demo
 * talk to. Prints its URL, serves until SIGINT/SIGTERM, then closes (hanging answers too).
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import { isUsableDate } from '../../query/inputs.js';
import { anchorScenario, resolveAnchor } from '../../replay/anchor.js';
import { type FaultRule, loadFaultRules } from '../../replay/faults.js';
import { loadScenario } from '../../replay/scenario.js';
import { type ReplayPortal, type ReplaySource, startReplayPortal } from '../../replay/server.js';
import {
  action,
  bindError,
  checkInputDir,
  checkInputFile,
  configFromEnv,
  type Out,
  parseHost,
} from '../run.js';

export interface ReplayPortalFlags {
  readonly recordings?: string;
  readonly scenario?: string;
  readonly port?: string;
  readonly host?: string;
  readonly date?: string;
  readonly latencyMs?: string;
  readonly faults?: string;
  readonly anchor?: string;
}

function intFlag(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new InputError(name, `"${value}" must be a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

/** Validate the flags and start the portal (InputError, exit 2, for anything malformed). */
export async function startFromFlags(flags: ReplayPortalFlags, stdout: Out): Promise<ReplayPortal> {
  if ((flags.recordings === undefined) === (flags.scenario === undefined)) {
    throw new InputError('--recordings/--scenario', 'give exactly one: --recordings DIR or --scenario FILE');
  }
  const port = intFlag('--port', flags.port, 0, 65535);
  const host = flags.host === undefined ? undefined : parseHost(flags.host, '--host');
  const latencyMs = intFlag('--latency-ms', flags.latencyMs, 0, 600_000);
  if (flags.date !== undefined && !isUsableDate(flags.date)) {
    throw new InputError('--date', `"${flags.date}" is not a date like 2026-11-20`);
  }
  if (flags.anchor !== undefined && flags.recordings !== undefined) {
    throw new InputError(
      '--anchor',
      "moves a scenario's days; recordings are answered as recorded (drop --anchor)",
    );
  }
  const config = configFromEnv();
  const anchorDate =
    flags.anchor === undefined ? undefined : resolveAnchor(flags.anchor, new Date(), config, '--anchor');
  if (flags.faults !== undefined) await checkInputFile(flags.faults, '--faults');
  if (flags.scenario !== undefined) await checkInputFile(flags.scenario, '--scenario');
  if (flags.recordings !== undefined) await checkInputDir(flags.recordings, '--recordings');
  const faults: FaultRule[] = flags.faults ? await loadFaultRules(flags.faults) : [];
  let anchored: ReturnType<typeof anchorScenario> | null = null;
  let source: ReplaySource;
  if (flags.recordings) source = { recordingsDir: flags.recordings };
  else {
    const scenario = await loadScenario(flags.scenario!);
    anchored = anchorDate === undefined ? null : anchorScenario(scenario, anchorDate);
    source = { scenario: anchored?.scenario ?? scenario };
  }
  const log = createLogger(config, process.stderr);
  const portal = await startReplayPortal(source, {
    host: host ?? '127.0.0.1',
    ...(port !== undefined ? { port } : {}),
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    ...(flags.date !== undefined ? { date: flags.date } : {}),
    faults,
    log,
  }).catch((e: unknown) => {
    throw bindError(e);
  });
  stdout.write(`replay portal listening on ${portal.url}\n`);
  if (anchored) {
    stdout.write(
      `scenario anchored to ${flags.anchor === 'due' ? 'the latest due report date' : 'the given date'}: ` +
        `report dates ${anchored.firstDay} … ${anchored.lastDay} (moved ${anchored.shiftDays} day(s))\n`,
    );
  }
  return portal;
}

export function register(program: Command): void {
  program
    .command('replay-portal')
    .description('serve a local replay of the portal (recorded answers or a scenario), with faults on demand')
    .option('--recordings <dir>', 'answer from the recorded files (the portal-recordings folder)')
    .option('--scenario <file>', 'answer from a scenario JSON file (e.g. scenarios/dien-bien-demo.json)')
    .option('--port <n>', 'port (0 = a free one)', '0')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--date <YYYY-MM-DD>', 'report date a scenario answers for (default its last day)')
    .option(
      '--anchor <due|YYYY-MM-DD>',
      "move the scenario's days so that its last one is this date (due = the latest due report date, from TZ, CRON_SCHEDULE and REPORT_DATE_OFFSET_DAYS)",
    )
    .option('--latency-ms <n>', 'delay added to every API answer')
    .option(
      '--faults <file>',
      'JSON file of fault rules ([{"call":"transparency","onRequest":2,"kind":"429"}])',
    )
    .action(
      action(async (flags: ReplayPortalFlags) => {
        const portal = await startFromFlags(flags, process.stdout);
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        await portal.close();
        process.stdout.write('replay portal closed\n');
      }),
    );
}
