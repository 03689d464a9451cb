/**
 * The office's report through its faces: `dvc-index report --format xlsx|docx` (to a file,
 * to a redirected stdout, refused to a terminal) and the API's downloads with their headers.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { InputError } from '../../src/errors.js';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { writeReport } from '../../src/report/write-out.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { seedProvince } from './office-seed.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let db: TestDatabase;
let app: FastifyInstance;
let redis: Redis;
let dir: string;
const prefix = uniquePrefix('office');

beforeAll(async () => {
  db = await createTestDatabase();
  await seedProvince(db.pool);
  const config = loadConfig(testEnv({ DATABASE_URL: db.url, PROVINCES: 'H18' }));
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  app = buildHttpServer({ config, log: createLogger(config), pool: db.pool, redis, queuePrefix: prefix });
  await app.ready();
  dir = await mkdtemp(path.join(tmpdir(), 'dvc-office-'));
});
afterAll(async () => {
  await app?.close();
  redis?.disconnect();
  await deletePrefix(prefix);
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', ...args],
      {
        cwd: ROOT,
        encoding: 'buffer',
        timeout: 60_000,
        maxBuffer: 32 * 1024 * 1024,
        env: { PATH: process.env.PATH, DATABASE_URL: db.url, LOG_LEVEL: 'silent', PROVINCES: 'H18' },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr: stderr.toString('utf8') });
      },
    );
  });
}

async function sheetNames(buf: Buffer): Promise<string[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  return wb.worksheets.map((w) => w.name);
}

describe('dvc-index report --format xlsx|docx', { timeout: 120_000 }, () => {
  it('writes the XLSX to --out and the DOCX to a redirected stdout', async () => {
    const out = path.join(dir, 'phu-luc.xlsx');
    const x = await cli(
      'report',
      '--format',
      'xlsx',
      '--province',
      'H18',
      '--date',
      '2026-11-20',
      '--out',
      out,
    );
    expect(x.code, x.stderr).toBe(0);
    expect(await sheetNames(await readFile(out))).toEqual([
      'I.1 Tỉnh',
      'Phụ lục I - Cơ quan',
      'Phụ lục II - Xã, phường',
    ]);

    const d = await cli('report', '--format', 'docx', '--date', '2026-11-20', '--period', 'month');
    expect(d.code, d.stderr).toBe(0);
    const zip = await JSZip.loadAsync(d.stdout);
    expect(await zip.file('word/document.xml')?.async('string')).toContain('Tháng 11/2026');
  });

  it('refuses a bad --compare-with and a date without data, naming the flag (exit 2)', async () => {
    const bad = await cli(
      'report',
      '--format',
      'docx',
      '--compare-with',
      'yesterday',
      '--out',
      path.join(dir, 'x.docx'),
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--compare-with');
    const none = await cli(
      'report',
      '--format',
      'xlsx',
      '--date',
      '2026-11-20',
      '--compare-with',
      'last-year',
    );
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--compare-with: nothing stored for H18 in the period 2025');
    expect(none.stderr).toContain('dvc-index import --period 2025');
  });

  it('never writes a binary file to a terminal', async () => {
    const tty = Object.assign(Object.create(process.stdout), { isTTY: true, write: () => true });
    await expect(writeReport(Buffer.from('x'), { binary: true, stdout: tty })).rejects.toThrow(InputError);
    await expect(writeReport(Buffer.from('x'), { binary: true, stdout: tty })).rejects.toThrow('--out');
  });
});

describe('API downloads', () => {
  it('serves the Word report and the Excel appendices as attachments', async () => {
    const x = await app.inject({
      method: 'GET',
      url: '/api/report/export.xlsx?province=H18&date=2026-11-20&period=year',
    });
    expect(x.statusCode).toBe(200);
    expect(x.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(x.headers['content-disposition']).toBe('attachment; filename="phu-luc-H18-2026-11-20-year.xlsx"');
    expect(await sheetNames(x.rawPayload)).toContain('Phụ lục II - Xã, phường');

    const d = await app.inject({
      method: 'GET',
      url: '/api/report/export.docx?province=H18&date=2026-11-20&period=year&compare=2026-11-19',
    });
    expect(d.statusCode).toBe(200);
    expect(d.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(d.headers['content-disposition']).toBe('attachment; filename="bao-cao-H18-2026-11-20-year.docx"');
    const xml =
      (await (await JSZip.loadAsync(d.rawPayload)).file('word/document.xml')?.async('string')) ?? '';
    expect(xml).toContain('So với năm 2026 (số liệu ngày 19/11/2026)');
  });

  it('answers 400 naming compare or date', async () => {
    const bad = await app.inject({ method: 'GET', url: '/api/report/export.docx?compare=soon' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('compare');
    const none = await app.inject({ method: 'GET', url: '/api/report/export.xlsx?date=2026-11-10' });
    expect(none.statusCode).toBe(400);
    expect(none.json().field).toBe('date');
  });

  it('the overview page offers both downloads', async () => {
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.body).toContain('Tải báo cáo (Word)');
    expect(page.body).toContain('Tải phụ lục (Excel)');
  });
});
