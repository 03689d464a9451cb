/**
 * A local SMTP server that accepts every message and saves it as an `.eml` file: the demo's
 * and the compose `try` profile's stand-in for a mail server. Any login is accepted and
 * STARTTLS is not offered (it only ever listens on loopback or a private compose network).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  readonly file: string;
  readonly from: string | null;
  readonly to: readonly string[];
  readonly bytes: number;
}

export interface SmtpCatcher {
  readonly host: string;
  readonly port: number;
  /** `smtp://host:port` for SMTP_URL. */
  readonly url: string;
  readonly dir: string;
  /** Mails saved so far, in arrival order. */
  readonly mails: readonly CaughtMail[];
  close(): Promise<void>;
}

export interface SmtpCatcherOptions {
  readonly dir: string;
  readonly host?: string;
  readonly port?: number;
  /** Called after each saved mail (for logs). */
  readonly onMail?: (mail: CaughtMail) => void;
}

export async function startSmtpCatcher(opts: SmtpCatcherOptions): Promise<SmtpCatcher> {
  mkdirSync(opts.dir, { recursive: true });
  const mails: CaughtMail[] = [];
  let seq = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    banner: 'dvc-index smtp catcher',
    size: 25 * 1024 * 1024,
    onAuth(_auth, _session, cb) {
      cb(null, { user: 'catcher' });
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', cb);
      stream.on('end', () => {
        try {
          const raw = Buffer.concat(chunks);
          seq += 1;
          const stamp = new Date().toISOString().replace(/[:.]/g, '-');
          const file = path.join(opts.dir, `${stamp}-${String(seq).padStart(4, '0')}.eml`);
          writeFileSync(file, raw);
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
          const mail: CaughtMail = {
            file,
            from,
            to: session.envelope.rcptTo.map((r) => r.address),
            bytes: raw.length,
          };
          mails.push(mail);
          opts.onMail?.(mail);
          cb();
        } catch (e) {
          cb(e as Error);
        }
      });
    },
  });
  server.on('error', () => undefined);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    host,
    port,
    url: `smtp://${urlHost}:${port}`,
    dir: opts.dir,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
