/**
 * The web page in real Chromium against the real server and a seeded database: the overview
 * table sorts, falls are marked, a unit's charts draw one point per stored value, and nothing
 * is fetched from outside the server. Saves screenshots of both pages in test-results/, or as
 * docs/overview.png and docs/unit.png with UPDATE_DOCS=1 (a test run never rewrites tracked files).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../../src/config.js';
import { addDays } from '../../src/domain.js';
import { type RunningHttpServer, startHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { withChromium } from '../../src/source/find-chromium.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { type ReadScenario, SCENARIO_DAYS, seedReadScenario } from '../helpers/seed.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(ROOT, process.env.UPDATE_DOCS === '1' ? 'docs' : 'test-results');
const STORED_DAYS = SCENARIO_DAYS - 1;
let db: TestDatabase;
let s: ReadScenario;
let config: Config;
let server: RunningHttpServer;
let browser: Browser;
const outside: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  s = await seedReadScenario(db.pool);
  config = loadConfig(testEnv({ DATABASE_URL: db.url, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0' }));
  server = await startHttpServer({ config, log: createLogger(config), pool: db.pool });
  browser = await chromium.launch({
    executablePath: withChromium(config).chromiumPath,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--disable-background-networking'],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await db?.drop();
});

const cspViolations: string[] = [];

async function openPage(url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'vi-VN' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The Content-Security-Policy must not get in the page's way (no inline code, no eval).
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (load|execute|apply|evaluate|connect|frame)/i.test(m.text()))
      cspViolations.push(`${url}: ${m.text()}`);
  });
  // Everything must come from our server: record and refuse anything else.
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(server.url) || u.startsWith('data:')) return route.continue();
    outside.push(u);
    return route.abort();
  });
  await page.goto(`${server.url}${url}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  expect(errors).toEqual([]);
  return page;
}

/** The rows of a table as {name, values by column key}. */
async function tableRows(page: Page, id: string): Promise<{ name: string; total: string; TTTT: string }[]> {
  return page.$$eval(`#${id} tbody tr`, (rows) =>
    rows.map((r) => {
      const cells = Array.from(r.querySelectorAll('td'), (td) => td.textContent ?? '');
      return { name: cells[2] ?? '', total: cells[3] ?? '', TTTT: cells[8] ?? '' };
    }),
  );
}

const num = (t: string) => (t === '–' ? null : Number(t));

function expectSorted(values: (number | null)[], dir: 1 | -1) {
  const present = values.filter((v): v is number => v !== null);
  // Missing values come last whatever the direction.
  expect(values.slice(0, present.length).every((v) => v !== null)).toBe(true);
  for (let i = 1; i < present.length; i++)
    expect((present[i]! - present[i - 1]!) * dir).toBeGreaterThanOrEqual(0);
}

describe('province overview', () => {
  it('sorts the commune and agency tables by any column header', async () => {
    const page = await openPage('/');
    expect(await page.textContent('#province-rank')).toBe('20/34');
    const byRank = await tableRows(page, 'communes');
    expect(byRank).toHaveLength(6);
    expect(byRank.at(-1)!.name).toBe('Xã Nà Tấu');

    await page.click('#communes th[data-key="total"]');
    expect(await page.getAttribute('#communes th[data-key="total"]', 'aria-sort')).toBe('descending');
    const desc = (await tableRows(page, 'communes')).map((r) => num(r.total));
    expectSorted(desc, -1);
    expect(desc.at(-1)).toBeNull();

    await page.click('#communes th[data-key="total"]');
    expect(await page.getAttribute('#communes th[data-key="total"]', 'aria-sort')).toBe('ascending');
    const asc = (await tableRows(page, 'communes')).map((r) => num(r.total));
    expectSorted(asc, 1);
    expect(asc.filter((v) => v !== null)).toEqual(
      desc
        .filter((v) => v !== null)
        .slice()
        .reverse(),
    );

    await page.click('#agencies th[data-key="TTTT"]');
    const tttt = await tableRows(page, 'agencies');
    expectSorted(
      tttt.map((r) => num(r.TTTT)),
      -1,
    );
    // A real 0.00 is a value (sorted as the lowest), not "no value".
    expect(tttt.at(-1)).toMatchObject({ name: 'Sở Xây dựng', TTTT: '0.00' });

    await page.click('#agencies th[data-key="name"]');
    const names = (await tableRows(page, 'agencies')).map((r) => r.name.replace(/\s*⚠$/, ''));
    expect(names).toEqual([...names].sort(new Intl.Collator('vi').compare));
    await page.context().close();
  });

  it('marks the falls of the day and saves a screenshot', async () => {
    const page = await openPage('/');
    const marked = await page.$$eval('td.fall', (tds) =>
      tds.map((td) => `${td.closest('tr')?.getAttribute('data-unit')}/${td.getAttribute('data-group')}`),
    );
    expect(marked.sort()).toEqual([`${s.fallingCommune.id}/MDSH`, `${s.health.id}/TTTT`].sort());
    expect(await page.$$eval('#falls-list li', (li) => li.length)).toBe(2);
    // no ALERT_TARGETS: no target filter, no target marks
    expect(await page.isVisible('#below-filter')).toBe(false);
    expect(await page.$$eval('td.below-target, th[data-key="target"]', (x) => x.length)).toBe(0);
    const title = await page.getAttribute(`tr[data-unit="${s.health.id}"] td.fall`, 'title');
    expect(title).toContain('6.00 → 4.50');
    // The not-evaluated commune shows no number at all.
    const naTau = await page.textContent(`tr[data-unit="${s.notEvaluated.id}"]`);
    expect(naTau).toContain('Chưa đánh giá');
    expect(naTau).not.toContain('0.00');
    // Both download links point at CSV exports of this province that answer.
    for (const id of ['#csv', '#csv-history']) {
      const href = (await page.getAttribute(id, 'href'))!;
      expect(href).toContain('province=H18');
      const res = await page.request.get(`${server.url}${href}`);
      expect(res.status()).toBe(200);
      expect(res.headers()['content-type']).toBe('text/csv; charset=utf-8');
      expect([...(await res.body()).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    }
    await page.screenshot({ path: path.join(SHOTS, 'overview.png'), fullPage: true });
    // An earlier date without falls marks nothing.
    await page.fill('#date', addDays(s.first, 40));
    await page.dispatchEvent('#date', 'change');
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.$$eval('td.fall', (tds) => tds.length)).toBe(0);
    await page.context().close();
  });
});

describe("a unit's page", () => {
  async function chartCounts(page: Page) {
    return page.$$eval('.chart-box', (boxes) =>
      Object.fromEntries(
        boxes.map((b) => [
          (b as HTMLElement).dataset.group,
          {
            points: Number((b as HTMLElement).dataset.points),
            episodes: Number((b as HTMLElement).dataset.episodes),
          },
        ]),
      ),
    );
  }

  it('draws one chart per group with one point per stored value and shades alert episodes', async () => {
    const page = await openPage(`/units/${s.health.id}`);
    expect(await page.textContent('#title')).toBe('Sở Y tế');
    const counts = await chartCounts(page);
    expect(Object.keys(counts)).toEqual(['TOTAL', 'CKMB', 'TDGQ', 'CLGQ', 'TTTT', 'MDSH', 'MDHL']);
    for (const g of Object.keys(counts)) expect(counts[g]!.points, g).toBe(STORED_DAYS);
    expect(counts.TTTT!.episodes).toBe(2);
    expect(counts.MDSH!.episodes).toBe(0);
    expect(await page.$$eval('#metrics-TTTT tbody tr', (r) => r.length)).toBe(2);
    expect(await page.$$eval('#metrics-MDSH tbody tr', (r) => r.length)).toBe(2);
    expect(await page.$$eval('#alerts-table tbody tr', (r) => r.length)).toBe(2);
    await page.screenshot({ path: path.join(SHOTS, 'unit.png'), fullPage: true });

    // A shorter range redraws with fewer points.
    await page.fill('#from', addDays(s.first, 30));
    await page.dispatchEvent('#from', 'change');
    await page.waitForSelector('body[data-ready="true"]');
    const shorter = await chartCounts(page);
    expect(shorter.TOTAL!.points).toBe(SCENARIO_DAYS - 30);
    expect(shorter.TTTT!.episodes).toBe(1);
    await page.context().close();
  });

  it('leaves missing values out: a null day is not a point, a unit never evaluated has none', async () => {
    const financePage = await openPage(`/units/${s.finance.code}`);
    const finance = await chartCounts(financePage);
    expect(finance.MDSH!.points).toBe(STORED_DAYS - 1);
    expect(finance.TOTAL!.points).toBe(STORED_DAYS - 1);
    expect(finance.CKMB!.points).toBe(STORED_DAYS);
    await financePage.context().close();
    const nonePage = await openPage(`/units/${s.notEvaluated.id}?period=month`);
    const none = await chartCounts(nonePage);
    for (const g of Object.keys(none)) expect(none[g]!.points, g).toBe(0);
    await nonePage.context().close();
  });

  it('fetched nothing from outside the server', () => {
    expect(outside).toEqual([]);
  });
});

describe('Content-Security-Policy', () => {
  it('was sent with every page and blocked nothing the pages above needed', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(cspViolations).toEqual([]);
  });
});
