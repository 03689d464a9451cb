import { type Browser, chromium } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DEMO_SCENARIO_PATH } from '../../src/replay/demo-scenario.js';
import { loadScenario } from '../../src/replay/scenario.js';
import { type ReplayPortal, startReplayPortal } from '../../src/replay/server.js';
import { withChromium } from '../../src/source/find-chromium.js';
import { planCall, provinceByCode } from '../../src/source/requests.js';
import { testEnv } from '../helpers/env.js';

let portal: ReplayPortal;
let browser: Browser;
beforeAll(async () => {
  portal = await startReplayPortal({ scenario: await loadScenario(DEMO_SCENARIO_PATH) });
  const config = loadConfig(testEnv({}));
  browser = await chromium.launch({
    executablePath: withChromium(config).chromiumPath,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
});
afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

describe('the evaluation page in real Chromium', () => {
  it('sets session cookies and its script calls the API as the SPA would (logged as page script)', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const res = await page.goto(`${portal.url}/danh-gia-chat-luong-phuc-vu`);
      expect(res?.status()).toBe(200);
      expect(await page.title()).toContain('Đánh giá chất lượng phục vụ');
      await page.waitForFunction(
        () => document.getElementById('replay-status')?.textContent?.startsWith('Đã tải'),
        null,
        {
          timeout: 10_000,
        },
      );
      expect(await page.textContent('#replay-status')).toBe('Đã tải 34 tỉnh, thành phố');
      const names = (await context.cookies()).map((c) => c.name).sort();
      expect(names).toEqual(['JSESSIONID', 'route']);
      // A same-origin fetch from the page, as the browser transport makes it, is the client's own.
      const call = planCall('transparency', provinceByCode('H18')!.id, {
        type: 'year',
        year: 2026,
        number: 0,
      });
      const status = await page.evaluate(
        async ({ path, body }) =>
          (await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body }))
            .status,
        { path: call.path, body: JSON.stringify(call.body) },
      );
      expect(status).toBe(201);
      const log = portal.requests().filter((e) => e.call !== null);
      expect(log.map((e) => [e.call, e.fromPageScript, e.status])).toEqual([
        ['page', false, 200],
        ['national', true, 201],
        ['transparency', false, 201],
      ]);
    } finally {
      await context.close();
    }
  });
});
