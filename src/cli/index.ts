/**
 * `dvc-index`: one commander program. Each file in ./commands registers one command (its
 * `register(program)` export), so commands are added without touching this file.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, type CommanderError } from 'commander';

type Registrar = { register: (program: Command) => void };

export interface BuildProgramOptions {
  /**
   * What commander's own usage errors (unknown option, missing argument) do; default: exit 2
   * (0 for --help/--version). Tests that run commands in-process throw instead.
   */
  readonly onUsageError?: (err: CommanderError) => never;
}

/**
 * The program with its commands. Given the command being run (`only`), just that command's
 * file is loaded when it exists: a query need not load Chromium, BullMQ and fastify first.
 * Help and unknown commands load them all.
 */
export async function buildProgram(only?: string, opts: BuildProgramOptions = {}): Promise<Command> {
  const program = new Command('dvc-index')
    .description(
      'Watches the QĐ766 service-quality index (dichvucong.gov.vn) for a province and keeps its daily history.',
    )
    .showHelpAfterError()
    .exitOverride(
      opts.onUsageError ??
        ((err) => {
          // commander's own usage errors (unknown option, missing argument) are bad input: exit 2.
          process.exit(err.exitCode === 0 ? 0 : 2);
        }),
    );
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'commands');
  const all = readdirSync(dir)
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
    .sort();
  const own = all.filter((f) => f.replace(/\.(ts|js)$/, '') === only);
  const files = own.length > 0 ? own : all;
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as Partial<Registrar>;
    if (typeof mod.register === 'function') mod.register(program);
  }
  return program;
}

const isMain =
  process.argv[1] !== undefined &&
  /(?:bin[\\/]dvc-index(\.js)?|cli[\\/]index\.(ts|js))$/.test(process.argv[1]);
if (isMain) {
  const program = await buildProgram(process.argv[2]);
  await program.parseAsync(process.argv);
  // Every command has closed what it opened by now; long-running ones (start, serve,
  // replay-portal) return only after their shutdown. Exit explicitly so a stray handle in a
  // library cannot keep a finished command alive.
  process.exit(process.exitCode ?? 0);
}
