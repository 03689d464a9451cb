import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { startSmtpCatcher } from '../../ops/smtp-catcher.js';
import { action, bindError, ensureOutputDir, parseHost } from '../run.js';

export function register(program: Command): void {
  program
    .command('smtp-catcher')
    .description('a local SMTP server that saves every mail as an .eml file (for trying dvc-index out)')
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', '2525')
    .option('--dir <folder>', 'where the .eml files go', 'outbox')
    .action(
      action(async (opts: { host: string; port: string; dir: string }) => {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65_535)
          throw new InputError('--port', `"${opts.port}" is not a port number`);
        const host = parseHost(opts.host, '--host');
        await ensureOutputDir(path.resolve(opts.dir), '--dir');
        const catcher = await startSmtpCatcher({
          host,
          port,
          dir: path.resolve(opts.dir),
          onMail: (m) => process.stdout.write(`saved ${m.file} (${m.bytes} bytes, to ${m.to.join(', ')})\n`),
        }).catch((e: unknown) => {
          throw bindError(e);
        });
        process.stdout.write(`smtp-catcher listening on ${host}:${catcher.port}, saving to ${catcher.dir}\n`);
        await new Promise<void>((resolve) => {
          process.once('SIGTERM', resolve);
          process.once('SIGINT', resolve);
        });
        await catcher.close();
        return 0;
      }),
    );
}
