/**
 * A private redis-server on a free loopback port, for tests that need a Redis configured
 * differently from the shared one (never change the shared Redis's settings).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface ThrowawayRedis {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Start one; `opts.port` starts it on a given port (a restart after `stop()`: the same URL,
 * none of the data, as a Redis without persistence comes back).
 */
export async function startThrowawayRedis(
  policy: string,
  opts: { port?: number } = {},
): Promise<ThrowawayRedis> {
  const port = opts.port ?? (await freePort());
  const child: ChildProcess = spawn(
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
      policy,
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => undefined);
    try {
      await r.connect();
      await r.ping();
      r.disconnect();
      break;
    } catch {
      r.disconnect();
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`redis-server on port ${port} did not start`);
      }
      await new Promise((res) => setTimeout(res, 100));
    }
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((res) => child.once('exit', res));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
