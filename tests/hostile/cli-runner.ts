/**
 * Run `dvc-index` commands in this process (a child process per case would take minutes):
 * the real commander program from src/cli, its output captured, its exit code read from
 * `process.exitCode` as the real entry point does. A command that serves until a signal
 * (replay-portal, smtp-catcher, serve) is stopped as soon as it listens for one, by calling only
 * the signal listeners it added — never by signalling the process.
 */
import { CommanderError } from 'commander';
import { buildProgram } from '../../src/cli/index.js';

export interface InProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** An exception that escaped the command's own error handling (a crash). */
  readonly escaped: Error | null;
  /** Was serving and got stopped through its own signal listeners. */
  readonly stopped: boolean;
  /** Did not finish even after being stopped (a hang: counted as a crash). */
  readonly hung: boolean;
}

type Writer = typeof process.stdout.write;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export async function runInProcess(
  argv: readonly string[],
  env: Record<string, string>,
  opts: { stopMs?: number } = {},
): Promise<InProcessResult> {
  const program = await buildProgram(argv[0], {
    onUsageError: (err) => {
      throw err;
    },
  });
  program.configureOutput({
    writeOut: (s) => void process.stdout.write(s),
    writeErr: (s) => void process.stderr.write(s),
  });
  const saved = { ...process.env };
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const out: string[] = [];
  const err: string[] = [];
  const origOut = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  const capture =
    (sink: string[]): Writer =>
    (chunk: unknown, ...rest: unknown[]) => {
      sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    };
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  for (const k of Object.keys(process.env))
    if (
      !(k in env) &&
      /^(DATABASE|REDIS|PORTAL|HTTP|SMTP|ALERT|QUEUE|CHROMIUM|PROVINCES|PERIODS|CRON|TZ|REPORT|CATCH|JOB|LOG|PUBLIC|CLASS|MIGRATE|SHUTDOWN)/.test(
        k,
      )
    )
      delete process.env[k];
  Object.assign(process.env, env);
  process.exitCode = undefined;
  let escaped: Error | null = null;
  let code: number | null = null;
  let stopped = false;
  let hung = false;
  try {
    const run = program.parseAsync(['node', 'dvc-index', ...argv]).then(
      () => undefined,
      (e: unknown) => {
        if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
        else escaped = e instanceof Error ? e : new Error(String(e));
      },
    );
    const finished = (ms: number) =>
      Promise.race([run.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), ms))]);
    // A command that waits for a signal has started serving: call the listeners it added, as a
    // SIGTERM would (and any it adds later), until it has stopped.
    const called = new Set<unknown>();
    const deadline = Date.now() + (opts.stopMs ?? 20_000);
    for (;;) {
      if (await finished(100)) break;
      for (const sig of SIGNALS)
        for (const l of process.listeners(sig))
          if (!before.get(sig)?.has(l) && !called.has(l)) {
            called.add(l);
            stopped = true;
            (l as (name: string) => void)(sig);
          }
      if (Date.now() > deadline) {
        hung = true;
        break;
      }
    }
  } finally {
    process.stdout.write = origOut;
    process.stderr.write = origErr;
    for (const s of SIGNALS)
      for (const l of process.listeners(s)) if (!before.get(s)?.has(l)) process.removeListener(s, l);
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
  const exit = code ?? (typeof process.exitCode === 'number' ? process.exitCode : 0);
  process.exitCode = undefined;
  return { code: exit, stdout: out.join(''), stderr: err.join(''), escaped, stopped, hung };
}
