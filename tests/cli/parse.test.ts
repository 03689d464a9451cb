import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GIA_LAI_ID, PHU_THO_ID, RECORDINGS_DIR, readRecording } from '../helpers/recordings.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TRANSPARENCY = path.join(RECORDINGS_DIR, 'qd766-phutho-2026-09/transparency/year-all.json');
const NATIONAL = path.join(
  RECORDINGS_DIR,
  'crawler766-national-2026-09/service-results/year-2026-national-20260927.json',
);
const GIA_LAI = path.join(
  RECORDINGS_DIR,
  'crawler766-provinces-2026-09/service-results/year-2026-root-H21.json',
);

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `dvc-index parse …` as a child process, the way an operator does. */
function runParse(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', 'parse', ...args],
      {
        cwd: REPO,
        maxBuffer: 64 * 1024 * 1024,
        timeout: 60_000,
        env: { ...process.env, LOG_LEVEL: 'silent' },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dvc-parse-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('dvc-index parse', () => {
  it('prints every unit of a component body with its group score and the overview as given', async () => {
    const r = await runParse(['--endpoint', 'transparency', TRANSPARENCY]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(
      'endpoint transparency: 164 units (1 province, 15 agencies, 148 communes), 164 scores, 656 metrics, page 1/1 (size 200, total 163)',
    );
    const overview = JSON.parse(readRecording('qd766-phutho-2026-09/transparency/year-all.json').toString())
      .data.overview;
    expect(lines[1]).toBe(`overview (as the portal gave it): ${JSON.stringify(overview)}`);
    const auCo = lines.find((l) => l.includes('UBND Phường Âu Cơ'))!;
    expect(auCo).toMatch(
      /^019d2be3-6ab4-74ce-8a81-40ae8b8695ae\s+–\s+UBND Phường Âu Cơ\s+commune\s+CKMB\s+7\.96\s+18\.00\s+–\s+4\s+TEMP_NATIONAL_REPORT_DENOMINATOR$/,
    );
    // one header, one rule, 164 unit rows
    expect(lines.filter((l) => /^[0-9a-f]{8}-/.test(l))).toHaveLength(164);
  });

  it('prints the national list with totals, ranks and the six groups', async () => {
    const r = await runParse(['--endpoint', 'national', NATIONAL]);
    expect(r.code).toBe(0);
    const dienBien = r.stdout.split('\n').find((l) => l.includes('Điện Biên'))!;
    expect(dienBien).toMatch(
      /^\s*24\s+H18\s+UBND tỉnh Điện Biên\s+60\.15\s+15\.99\s+8\.02\s+18\.92\s+6\.50\s+6\.17\s+10\.14\s+10\.40\s+019d2be3-6a85-74ec-a341-16615c474af4$/,
    );
    expect(r.stdout).toContain(
      'overview (as the portal gave it): {"departmentName":"Cả nước","departmentCode":null,"totalScore":61.56,"totalMaxScore":100,"ratio":61.56}',
    );
  });

  it('--format json prints the parsed capture', async () => {
    const r = await runParse([
      '--endpoint',
      'service-results',
      '--province-id',
      GIA_LAI_ID,
      '--format',
      'json',
      GIA_LAI,
    ]);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout);
    expect(parsed.call).toBe('service-results');
    expect(parsed.units).toHaveLength(150);
    expect(parsed.units[0]).toEqual({
      id: GIA_LAI_ID,
      code: 'H21',
      name: 'UBND tỉnh Gia Lai',
      kind: 'province',
      parentId: null,
    });
    expect(parsed.extras.overview.totalScore).toBe(62.74);
  });

  it("infers a per-province capture's province from its units' codes", async () => {
    const r = await runParse(['--endpoint', 'service-results', '--format', 'json', GIA_LAI]);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout);
    expect(parsed.units[0]).toMatchObject({ id: GIA_LAI_ID, code: 'H21', kind: 'province' });
    expect(parsed.problems).toEqual([]);
  });

  it('lists unusable values as problems and exits 2, like ingest records them; the table stays readable', async () => {
    const body = JSON.parse(
      readRecording('qd766-phutho-2026-09/formality-online-payment-tree/year-all.json').toString(),
    );
    body.data.children[0].departmentName = '\u001b[2J\u001b[31mSở Y tế\u0000';
    body.data.children[1].totalScore = 1e30;
    const bad = path.join(dir, 'hostile.json');
    await writeFile(bad, JSON.stringify(body));
    const r = await runParse(['--endpoint', 'formality-online-payment-tree', bad]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('endpoint formality-online-payment-tree: 164 units');
    expect(r.stderr).toContain('problem (invalid-value): formality-online-payment-tree (TTTT)');
    expect(r.stderr).toContain('departmentName "\\x1b[2J\\x1b[31mSở Y tế\\x00" has a control character');
    expect(r.stderr).toContain('score 1e+30 is outside 0–10 (its max); stored as null');
    expect(r.stderr).toContain('2 unusable value(s); ingest would store the rest and record these problems');
    // no escape sequence reaches the terminal
    expect(r.stdout + r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it('exits 4 naming the endpoint and field when the body does not match', async () => {
    const body = JSON.parse(readRecording('qd766-phutho-2026-09/transparency/year-all.json').toString());
    body.data.evaluation[0].totalScore = 'n/a';
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify(body));
    const r = await runParse(['--endpoint', 'transparency', '--province-id', PHU_THO_ID, bad]);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('endpoint transparency, field data.evaluation[0].totalScore');

    const html = path.join(dir, 'blocked.html');
    await writeFile(
      html,
      '<html><head><title>Request Rejected</title></head><body>support ID 42</body></html>',
    );
    const h = await runParse(['--endpoint', 'dossier-digitized', html]);
    expect(h.code).toBe(4);
    expect(h.stderr).toContain('endpoint dossier-digitized, field body');
  });

  it('exits 2 on bad input (unknown endpoint, missing province id, unreadable file)', async () => {
    const unknown = await runParse(['--endpoint', 'ranking', TRANSPARENCY]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--endpoint: "ranking" is not a call name');
    const body = JSON.parse(
      readRecording('crawler766-provinces-2026-09/service-results/year-2026-root-H21.json').toString(),
    );
    delete body.data.overview.departmentCode;
    for (const r of body.data.evaluation) delete r.departmentCode;
    const anonymous = path.join(dir, 'anonymous.json');
    await writeFile(anonymous, JSON.stringify(body));
    const noProvince = await runParse(['--endpoint', 'service-results', anonymous]);
    expect(noProvince.code).toBe(2);
    expect(noProvince.stderr).toContain('--province-id');
    const badId = await runParse(['--endpoint', 'service-results', '--province-id', 'H21', GIA_LAI]);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('--province-id: "H21" is not a uuid');
    const missing = await runParse(['--endpoint', 'transparency', path.join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
  });
});
