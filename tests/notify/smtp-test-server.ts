/**
 * A real SMTP server in the test process (smtp-server + mailparser) on 127.0.0.1, port 0.
 * `setDown(true)` makes it refuse every connection with 421 (an outage as a client sees
 * it); `rejectRecipients` answers 550 for the listed addresses.
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  readonly envelopeTo: string[];
  readonly mail: ParsedMail;
}

export interface TestSmtp {
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedMail[];
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export async function startTestSmtp(opts: { rejectRecipients?: readonly string[] } = {}): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  let down = false;
  const reject = new Set((opts.rejectRecipients ?? []).map((a) => a.toLowerCase()));
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onConnect(_session, cb) {
      if (!down) return cb();
      const e = Object.assign(new Error('Service not available, try later'), { responseCode: 421 });
      cb(e);
    },
    onRcptTo(address, _session, cb) {
      if (!reject.has(address.address.toLowerCase())) return cb();
      cb(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
    },
    onData(stream, session, cb) {
      simpleParser(stream).then(
        (mail) => {
          received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail });
          cb();
        },
        (e) => cb(e),
      );
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    setDown: (d) => {
      down = d;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
