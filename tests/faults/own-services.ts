/**
 * Services of the fault matrix's own, never the machine's shared ones: a PostgreSQL cluster
 * (initdb + pg_ctl on a free loopback port, as the `postgres` user when we are root) that a row
 * may restart, and a redis-server without persistence that a row may restart empty or stop.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from '../ops/throwaway-redis.js';

const run = promisify(execFile);

/** The newest /usr/lib/postgresql/<v>/bin holding initdb and pg_ctl, or null. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

export interface OwnPostgres {
  readonly adminUrl: string;
  readonly port: number;
  /** Restart the server (fast shutdown: every connection is cut). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A PostgreSQL cluster of our own in a temporary directory; `stop()` removes it. */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin');
  const dir = await mkdtemp(path.join(tmpdir(), 'dvc-faults-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: g } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(g.trim()));
  }
  const as = (cmd: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args);
  const port = await freePort();
  const data = path.join(dir, 'data');
  await as(path.join(bin, 'initdb'), [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const ctl = (args: string[]) => as(path.join(bin, 'pg_ctl'), ['-D', data, '-w', '-t', '30', ...args]);
  await ctl(['-o', opts, '-l', path.join(dir, 'log'), 'start']);
  let stopped = false;
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async restart() {
      await ctl(['-m', 'fast', '-o', opts, '-l', path.join(dir, 'log'), 'restart']);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await ctl(['-m', 'immediate', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface OwnRedis {
  readonly url: string;
  /** Kill it (no persistence: its data is gone). */
  stop(): Promise<void>;
  /** Start it again, empty, on the same port. */
  start(): Promise<void>;
}

async function ping(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** A redis-server without persistence (no RDB, no AOF) on a free loopback port. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    while (!(await ping(url))) {
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await start();
  return {
    url,
    start,
    async stop() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    },
  };
}

/** Chromium processes started (directly or below) by process `root`. */
export function chromiumBelow(root: number): number[] {
  const parent = new Map<number, number>();
  const names = new Map<number, string>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      parent.set(Number(e), Number(fields[1]));
      names.set(Number(e), name);
    } catch {
      // gone meanwhile
    }
  }
  const below = (pid: number): boolean => {
    for (let p = parent.get(pid), n = 0; p !== undefined && n < 20; p = parent.get(p), n++)
      if (p === root) return true;
    return false;
  };
  return [...names]
    .filter(
      ([pid, name]) =>
        /chrom/i.test(name) && below(pid) && !/chrom/i.test(names.get(parent.get(pid) ?? 0) ?? ''),
    )
    .map(([pid]) => pid);
}

/** Copy database `srcUrl` into a new database `dstUrl` on the server of `adminUrl` (pg_dump | psql). */
export async function copyDatabase(srcUrl: string, adminUrl: string, dstUrl: string): Promise<void> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL client binaries under /usr/lib/postgresql/*/bin');
  const name = new URL(dstUrl).pathname.slice(1);
  await run(path.join(bin, 'psql'), [
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    adminUrl,
    '-c',
    `create database ${name}`,
  ]);
  await run('sh', [
    '-c',
    `"$1" --no-owner --no-privileges "$2" | "$3" -q -v ON_ERROR_STOP=1 "$4"`,
    'copy',
    path.join(bin, 'pg_dump'),
    srcUrl,
    path.join(bin, 'psql'),
    dstUrl,
  ]);
}
