import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import { formatCircuitStatus } from '../../ops/operator.js';
import { closeCircuit, getCircuit, listCircuitEvents, portalHost } from '../../store/circuit.js';
import { createPool } from '../../store/db.js';
import { action, configFromEnv } from '../run.js';

function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'operator';
  }
}

export function register(program: Command): void {
  const circuit = program
    .command('circuit')
    .description('the portal circuit breaker: a 403/429/block page opens it, only an operator closes it');

  circuit
    .command('status')
    .description(
      'show whether collection is stopped, why, and the latest open/close events (exit 3 when open)',
    )
    .option('--events <n>', 'how many recent events to list', '10')
    .action(
      action(async (opts: { events: string }) => {
        const n = Number(opts.events);
        if (!Number.isInteger(n) || n < 0 || n > 1000)
          throw new InputError('--events', 'must be a whole number 0–1000');
        const config = configFromEnv();
        const pool = createPool(config.databaseUrl, createLogger(config, process.stderr), 1);
        try {
          const host = portalHost(config.portalBaseUrl);
          const state = await getCircuit(pool, host);
          process.stdout.write(formatCircuitStatus(state, await listCircuitEvents(pool, host, n)));
          return state.state === 'open' ? 3 : 0;
        } finally {
          await pool.end();
        }
      }),
    );

  circuit
    .command('close')
    .description('allow collection again after a block (the reason and your name are logged)')
    .requiredOption(
      '--reason <text>',
      'why it is safe to try again, e.g. "WAF allow-list updated by the portal team"',
    )
    .option('--by <name>', 'who closes it (default: the login name)')
    .action(
      action(async (opts: { reason: string; by?: string }) => {
        const reason = opts.reason.trim();
        if (reason.length < 3)
          throw new InputError('--reason', 'say why it is safe to try again (at least 3 characters)');
        const config = configFromEnv();
        const log = createLogger(config, process.stderr);
        const pool = createPool(config.databaseUrl, log, 1);
        try {
          const host = portalHost(config.portalBaseUrl);
          const by = opts.by?.trim() || operatorName();
          const { wasOpen, state } = await closeCircuit(pool, host, { reason, by });
          if (!wasOpen) {
            process.stdout.write(`circuit for ${host} was already closed; nothing changed\n`);
            return 0;
          }
          log.info({ host, reason, by }, 'circuit closed by operator');
          process.stdout.write(
            `circuit for ${host} closed by ${by}: ${reason}\n` +
              `(it had been open since ${state.openedAt?.toISOString() ?? '?'}; a running worker collects the` +
              ' latest due day within RECONCILE_EVERY, or run `dvc-index collect --wait` now)\n',
          );
          return 0;
        } finally {
          await pool.end();
        }
      }),
    );
}
