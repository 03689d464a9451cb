/**
 * Render the sample digest (src/notify/sample-digest.ts) as a mail client would show it and
 * screenshot it with Chromium: `npx tsx scripts/render-digest.ts [out.png]` (default
 * docs/digest.png). Also writes the HTML and plain text beside the PNG for review.
 */
import { writeFile } from 'node:fs/promises';
import { chromium } from 'playwright';
import { loadConfig } from '../src/config.js';
import { digestOptions } from '../src/notify/queue-digest.js';
import { renderDigest } from '../src/notify/render-digest.js';
import { sampleDigestFacts } from '../src/notify/sample-digest.js';
import { withChromium } from '../src/source/find-chromium.js';

const out = process.argv[2] ?? 'docs/digest.png';
const config = loadConfig({ PUBLIC_URL: 'https://dvc-index.dienbien.gov.vn', LOG_LEVEL: 'silent' });
const mail = renderDigest(sampleDigestFacts(), digestOptions(config, 'Điện Biên'));
const browser = await chromium.launch({
  executablePath: withChromium(config).chromiumPath,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});
try {
  const page = await browser.newPage({ viewport: { width: 960, height: 800 }, deviceScaleFactor: 1 });
  // A mail client shows the subject above the body: do the same so the screenshot is complete.
  const header = `<div style="font-family:Arial,sans-serif;font-size:13px;padding:10px 16px;border-bottom:1px solid #ddd;background:#f6f6f6">
<div><b>Từ:</b> ${config.alertFrom}</div><div><b>Tiêu đề:</b> ${mail.subject.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</div></div>`;
  await page.setContent(mail.html.replace(/<body([^>]*)>/, `<body$1>${header}`), { waitUntil: 'load' });
  await page.screenshot({ path: out, fullPage: true });
  await writeFile(out.replace(/\.png$/, '.html'), mail.html);
  await writeFile(out.replace(/\.png$/, '.txt'), `${mail.subject}\n\n${mail.text}`);
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await browser.close();
}
