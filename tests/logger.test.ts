/**
 * One key once per log line: a logger's context (run id, job, transport) is merged with each
 * line's own fields, the innermost value winning, instead of pino bindings written twice.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, withLogContext } from '../src/logger.js';
import { maskSecrets, maskUrlValue } from '../src/secrets.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, log: createLogger({ logLevel: 'debug' }, stream) };
}

/** Top-level keys of a JSON line in the order written, duplicates included. */
function keysOf(line: string): string[] {
  const keys: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)":/g;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
    else if (ch === '"') {
      if (depth === 1) {
        re.lastIndex = i;
        const m = re.exec(line);
        if (m && m.index === i) {
          keys.push(m[1]!);
          i = re.lastIndex - 1;
          continue;
        }
      }
      inString = true;
    }
  }
  return keys;
}

describe('withLogContext', () => {
  it('writes every key once when a context is set twice and passed again on the line', () => {
    const { lines, log } = capture();
    const worker = withLogContext(log, { job: 'collect', jobId: 'collect-H18-2026-11-20', runId: null });
    const run = withLogContext(worker, { runId: '7' });
    const client = withLogContext(run, { transport: 'browser' });
    client.info({ transport: 'browser', runId: '7', requests: 25 }, 'run collected');
    run.warn({ runId: '8' }, 'overridden on the line');
    worker.info('outer');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      const keys = keysOf(line);
      expect(keys, line).toEqual([...new Set(keys)]);
    }
    const [a, b, c] = lines.map((l) => JSON.parse(l));
    expect(a).toMatchObject({
      job: 'collect',
      runId: '7',
      transport: 'browser',
      requests: 25,
      msg: 'run collected',
    });
    expect(b.runId).toBe('8');
    expect(c.runId).toBeNull();
    expect(c.transport).toBeUndefined();
  });

  it('keeps redaction and error serialisation on merged lines', () => {
    const { lines, log } = capture();
    withLogContext(log, { runId: '1' }).error(
      { err: new Error('boom', { cause: new Error('root') }), recipients: ['a@b.vn'] },
      'failed',
    );
    const o = JSON.parse(lines[0]!);
    expect(o.recipients).toBe('[redacted]');
    expect(o.err.message).toContain('boom');
    expect(o.runId).toBe('1');
  });

  it('is the only way child loggers are made in src/ and jobs/', () => {
    const root = path.resolve(import.meta.dirname, '..');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.endsWith(path.join('src', 'logger.ts'))) {
          if (/\blog\w*\.child\(/i.test(readFileSync(p, 'utf8'))) offenders.push(path.relative(root, p));
        }
      }
    };
    walk(path.join(root, 'src'));
    walk(path.join(root, 'jobs'));
    expect(offenders).toEqual([]);
  });
});

function captureText() {
  const lines: string[] = [];
  const log = createLogger({ logLevel: 'debug' }, { write: (l: string) => void lines.push(l) });
  return { log, text: () => lines.join('') };
}

describe('log redaction', () => {
  it('masks a token in a request URL, a URL password anywhere, and bearer credentials', () => {
    const { log, text } = captureText();
    log.info({ url: '/api/units?q=y&token=Tok3n-A' }, 'request');
    log.warn({ nested: { target: 'postgres://dvc:Pg-Secret-B@db:5432/dvc' }, list: ['Bearer Tok3n-C'] }, 'x');
    log.info('connecting to redis://:R3dis-D@cache:6379');
    withLogContext(log, { component: 'http', target: 'redis://:Ctx-Secret-K@cache' }).error(
      { url: '/?token=Tok3n-E' },
      'failed',
    );
    log.error(
      {
        err: new Error('connect postgres://u:Pg-Secret-F@h failed', {
          cause: new Error('/x?password=G-secret'),
        }),
      },
      'err',
    );
    log.info(
      { token: 'Tok3n-H', headers: { authorization: 'Bearer Tok3n-I', cookie: 'dvc_token=Tok3n-J' } },
      'h',
    );
    const out = text();
    for (const secret of [
      'Tok3n-A',
      'Pg-Secret-B',
      'Tok3n-C',
      'R3dis-D',
      'Tok3n-E',
      'Pg-Secret-F',
      'G-secret',
      'Tok3n-H',
      'Tok3n-I',
      'Tok3n-J',
      'Ctx-Secret-K',
    ])
      expect(out, secret).not.toContain(secret);
    // what is not secret stays readable
    expect(out).toContain('/api/units?q=y&token=***');
    expect(out).toContain('postgres://dvc:***@db:5432/dvc');
    expect(out).toContain('connect postgres://u:***@h failed');
  });

  it('leaves ordinary text alone', () => {
    for (const t of [
      'http://127.0.0.1:8080/api/units?province=H18',
      'postgres://postgres@127.0.0.1:5432/dvc_index',
      'Sở Y tế: 7.10 → 6.50',
      'a@b.vn',
    ])
      expect(maskSecrets(t)).toBe(t);
    expect(maskUrlValue('postgres://u:p@ss w@host/db')).toBe('postgres://u:***@host/db');
  });
});
