/** The SMTP catcher the demo and the compose `try` profile use: every mail lands as a .eml file. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterAll, describe, expect, it } from 'vitest';
import { startSmtpCatcher } from '../../src/ops/smtp-catcher.js';
import { BIN, ROOT } from './cli-child.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'dvc-catcher-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function send(url: string, subject: string, auth = false) {
  const t = nodemailer.createTransport(auth ? url.replace('smtp://', 'smtp://u:p@') : url);
  try {
    await t.sendMail({
      from: 'dvc-index@example.gov.vn',
      to: 'so-tttt@dienbien.example.gov.vn, vp@dienbien.example.gov.vn',
      subject,
      text: 'Thanh toán trực tuyến giảm 7,10 → 4,20',
      html: '<p>Thanh toán trực tuyến giảm <b>7,10 → 4,20</b></p>',
    });
  } finally {
    t.close();
  }
}

describe('smtp catcher', () => {
  it('saves each mail as a parseable .eml with its envelope, logins accepted', async () => {
    const dir = tmp();
    const catcher = await startSmtpCatcher({ dir });
    try {
      await send(catcher.url, 'Điện Biên – số liệu ngày 02/11/2026');
      await send(catcher.url, 'thứ hai', true);
      expect(catcher.mails.map((m) => m.to)).toEqual([
        ['so-tttt@dienbien.example.gov.vn', 'vp@dienbien.example.gov.vn'],
        ['so-tttt@dienbien.example.gov.vn', 'vp@dienbien.example.gov.vn'],
      ]);
      const files = readdirSync(dir).sort();
      expect(files).toHaveLength(2);
      expect(files.every((f) => f.endsWith('.eml'))).toBe(true);
      const first = await simpleParser(readFileSync(path.join(dir, files[0]!)));
      expect(first.subject).toBe('Điện Biên – số liệu ngày 02/11/2026');
      expect(first.text?.trim()).toBe('Thanh toán trực tuyến giảm 7,10 → 4,20');
      expect(first.html).toContain('<b>7,10 → 4,20</b>');
    } finally {
      await catcher.close();
    }
  });

  it('runs as `dvc-index smtp-catcher` until SIGTERM', async () => {
    const dir = tmp();
    const child: ChildProcess = spawn(process.execPath, [BIN, 'smtp-catcher', '--port', '0', '--dir', dir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
      });
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line in: ${out}`)), 30_000);
        const poll = setInterval(() => {
          const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
          if (m) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        }, 50);
      });
      await send(`smtp://127.0.0.1:${port}`, 'qua lệnh');
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toMatch(
        /saved .*\.eml \(\d+ bytes, to so-tttt@dienbien\.example\.gov\.vn, vp@dienbien\.example\.gov\.vn\)/,
      );
      expect(readdirSync(dir)).toHaveLength(1);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
