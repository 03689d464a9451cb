/**
 * The browser transport's request guard against a page whose own script keeps sending the
 * very call we send first (the real SPA loads the national year list on its own). Our calls
 * must all go through, the page's own must all be stopped, and nothing of ours (the tag that
 * tells our request apart) may reach the server.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Period } from '../../src/domain.js';
import { createLogger } from '../../src/logger.js';
import { createPortalClient } from '../../src/source/portal-client.js';
import type { PortalClient } from '../../src/source/portal-types.js';
import { EVALUATION_PAGE_PATH, planProvincePeriod } from '../../src/source/requests.js';
import { testEnv } from '../helpers/env.js';
import { DIEN_BIEN_ID } from '../helpers/recordings.js';

const YEAR_2026: Period = { type: 'year', year: 2026, number: 0 };
const national = planProvincePeriod(DIEN_BIEN_ID, YEAR_2026)[0]!;

interface Seen {
  fromPage: boolean;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
let client: PortalClient;

/** A page whose script sends our first call, byte for byte, every few milliseconds for 20 s. */
function pageHtml(): string {
  return `<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Đánh giá</title></head>
<body><p>trang thử</p><script>
var body = ${JSON.stringify(JSON.stringify(national.body))};
var until = Date.now() + 20000;
function again() {
  if (Date.now() > until) return;
  fetch(${JSON.stringify(national.path)}, {
    method: 'POST',
    headers: { Accept: 'application/json, text/plain, */*', 'Content-Type': 'application/json', 'x-test-page': '1' },
    body: body,
  }).catch(function () {}).then(function () { setTimeout(again, 2); });
}
for (var i = 0; i < 4; i++) again();
</script></body></html>`;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === EVALUATION_PAGE_PATH) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(pageHtml());
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        fromPage: req.headers['x-test-page'] === '1',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ code: 'OK', message: null, data: { evaluation: [] } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = createPortalClient(
    loadConfig(
      testEnv({
        PORTAL_BASE_URL: base,
        PORTAL_TRANSPORT: 'browser',
        PORTAL_MIN_GAP_MS: '0',
        PORTAL_JITTER_MS: '0',
        PORTAL_TIMEOUT_MS: '20000',
      }),
    ),
    createLogger({ logLevel: 'silent' }),
  );
});

afterAll(async () => {
  await client?.close();
  await new Promise((resolve) => server?.close(resolve));
});

it('lets every one of our calls through while the page sends the same call, and strips its tag', async () => {
  const session = await client.openSession();
  try {
    for (let i = 0; i < 40; i++) {
      const raw = await session.call(national);
      expect(raw.status).toBe(200);
    }
  } finally {
    await session.close();
  }
  const ours = seen.filter((s) => !s.fromPage);
  expect(ours).toHaveLength(40);
  for (const s of ours) expect(s.body).toBe(JSON.stringify(national.body));
  // The page's own calls never reach the server, and no request carries our tag.
  expect(seen.filter((s) => s.fromPage)).toEqual([]);
  expect(seen.filter((s) => Object.keys(s.headers).some((h) => h.startsWith('x-dvc')))).toEqual([]);
  // The server still sees what the page would send.
  expect(ours[0]!.headers['content-type']).toBe('application/json');
});
