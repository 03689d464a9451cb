/**
 * `dvc-index probe` as an operator runs it: a child process pointed at a replay portal, with
 * real Chromium (browser transport) or plain HTTP (direct).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReplayPortal, startReplayPortal } from '../../src/replay/server.js';
import { testEnv } from '../helpers/env.js';
import { RECORDINGS_DIR } from '../helpers/recordings.js';
import { SMALL_DATES, smallScenario } from './small-scenario.js';

/** Each test starts one to three `tsx` child processes; the machine is shared. */
const PROBE_TEST_TIMEOUT_MS = 180_000;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function probe(args: string[], env: Record<string, string>): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', 'probe', ...args],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/tmp',
          ...testEnv({ LOG_LEVEL: 'warn', PORTAL_TIMEOUT_MS: '20000', ...env }),
        },
        timeout: 90_000,
        maxBuffer: 20 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface Cell {
  score: number | null;
  max: number | null;
}
interface Row {
  id: string;
  code: string | null;
  name: string;
  total: number | null;
  rank: number | null;
  classification: string | null;
  groups: Record<string, Cell>;
}
interface Table {
  province: Row & { rankOf: number | null };
  agencies: Row[];
  communes: Row[];
}

let recordings: ReplayPortal;
let scenario: ReplayPortal;

beforeAll(async () => {
  recordings = await startReplayPortal({ recordingsDir: RECORDINGS_DIR }, { port: 0 });
  scenario = await startReplayPortal({ scenario: smallScenario() }, { port: 0, date: SMALL_DATES[1] });
});

afterAll(async () => {
  await recordings?.close();
  await scenario?.close();
});

describe('dvc-index probe', () => {
  it(
    "prints Phú Thọ's real group scores for every unit and exits 4 naming the call with no recording",
    async () => {
      recordings.resetRequests();
      recordings.setFaults([]);
      const res = await probe(
        ['--province', 'H44', '--period', 'year', '--date', '2026-09-26', '--format', 'json'],
        {
          PORTAL_BASE_URL: recordings.url,
        },
      );
      expect(res.code, res.stderr).toBe(4);
      const table = JSON.parse(res.stdout) as Table;
      expect(table.province).toMatchObject({ code: 'H44', total: 61.89, rank: 16, rankOf: 34 });
      expect(table.province.groups.TTTT).toEqual({ score: 6.67, max: 10 });
      expect(table.province.groups.MDSH).toEqual({ score: 9.59, max: 22 });
      expect(table.province.groups.CKMB).toEqual({ score: 7.96, max: 18 });
      expect(table.province.groups.CLGQ).toEqual({ score: 8.56, max: 12 });
      expect(table.agencies).toHaveLength(15);
      expect(table.communes).toHaveLength(148);
      const soYTe = table.agencies.find((a) => a.code === 'H44.22')!;
      expect(soYTe.name).toBe('Sở Y tế - Tỉnh Phú Thọ');
      expect(soYTe.groups.TTTT).toEqual({ score: 5.54, max: 10 });
      expect(soYTe.groups.TDGQ).toEqual({ score: 17.42, max: 20 });
      // Without the province's own list there is no unit total: null, never 0, and no class.
      expect(soYTe.total).toBeNull();
      expect(soYTe.classification).toBeNull();
      const thanhTra = table.agencies.find((a) => a.code === 'H44.23')!;
      expect(thanhTra.groups.CLGQ!.score).toBe(0); // a real 0 from the portal stays 0
      for (const u of [...table.agencies, ...table.communes])
        for (const g of ['CKMB', 'TDGQ', 'CLGQ', 'TTTT', 'MDSH', 'MDHL']) expect(u.groups[g]).toBeDefined();
      expect(res.stderr).toMatch(/no answer for service-results \(2026/);
      expect(res.stderr).toMatch(/browser transport/);
      expect(recordings.requests().map((e) => e.call)).toEqual([
        'page',
        'national',
        'service-results',
        'transparency',
        'dvc-progress-tree',
        'provide-online-tree',
        'formality-online-payment-tree',
        'dossier-digitized',
        'handling-satisfaction',
      ]);
    },
    PROBE_TEST_TIMEOUT_MS,
  );

  it(
    'exits 3 when blocked, with the support id, and asks nothing more',
    async () => {
      recordings.resetRequests();
      recordings.setFaults([{ call: 'transparency', kind: '403', onRequest: 1 }]);
      const res = await probe(['--province', 'H44', '--date', '2026-09-26', '--format', 'json'], {
        PORTAL_BASE_URL: recordings.url,
      });
      expect(res.code, res.stderr).toBe(3);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(/blocked by the portal \(waf-page, HTTP 403, support id \d+\)/);
      expect(recordings.requests().map((e) => e.call)).toEqual([
        'page',
        'national',
        'service-results',
        'transparency',
      ]);
      recordings.setFaults([]);
    },
    PROBE_TEST_TIMEOUT_MS,
  );

  it(
    'exits 0 with a complete scenario over the direct transport, as a table',
    async () => {
      scenario.resetRequests();
      scenario.setFaults([]);
      const json = await probe(['--province', 'h18', '--date', SMALL_DATES[1], '--format', 'json'], {
        PORTAL_BASE_URL: scenario.url,
        PORTAL_TRANSPORT: 'direct',
      });
      expect(json.code, json.stderr).toBe(0);
      const table = JSON.parse(json.stdout) as Table;
      expect(table.agencies).toHaveLength(2);
      expect(table.communes).toHaveLength(3);
      expect(table.agencies.find((a) => a.code === 'H18.01')!.groups.TTTT!.score).toBe(4.2);
      // MDHL is null for one commune: its total is null, not the sum of the other five.
      expect(table.communes.find((c) => c.code === 'H18.100')!.total).toBeNull();
      expect(table.agencies.find((a) => a.code === 'H18.02')!.total).toBe(71.05);
      expect(json.stderr).toMatch(/direct transport/);
      expect(scenario.requests()).toHaveLength(8);

      const text = await probe(['--province', 'H18', '--date', SMALL_DATES[1]], {
        PORTAL_BASE_URL: scenario.url,
        PORTAL_TRANSPORT: 'direct',
      });
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(/Sở Y tế - tỉnh Điện Biên/);
    },
    PROBE_TEST_TIMEOUT_MS,
  );

  it(
    'exits 2 on an unknown province or period, naming the flag, without asking the portal',
    async () => {
      const res = await probe(['--province', 'H99'], { PORTAL_BASE_URL: scenario.url });
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/--province: "H99"/);
      expect(res.stderr).toMatch(/H18 {2}UBND tỉnh Điện Biên/);
      const period = await probe(['--period', 'week'], { PORTAL_BASE_URL: scenario.url });
      expect(period.code).toBe(2);
      expect(period.stderr).toMatch(/--period/);
      const date = await probe(['--date', '2026-02-30'], { PORTAL_BASE_URL: scenario.url });
      expect(date.code).toBe(2);
      expect(date.stderr).toMatch(/--date/);
    },
    PROBE_TEST_TIMEOUT_MS,
  );
});
