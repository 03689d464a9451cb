/**
 * Render the sample digest (src/notify/sample-digest.ts) and the sample weekly follow-up mail
 * (src/notify/sample-weekly.ts) as a mail client would show them and screenshot them with
 * Chromium: `npx tsx scripts/render-digest.ts [digest.png] [weekly.png]` (default
 * docs/digest.png, docs/weekly.png). Targets ALERT_TARGETS=TTTT:8,MDSH:20 so the target marks
 * show. Also writes the HTML and plain text beside each PNG for review.
 */
import { writeFile } from 'node:fs/promises';
import { chromium } from 'playwright';
import { loadConfig } from '../src/config.js';
import { digestOptions } from '../src/notify/queue-digest.js';
import { weeklyOptions } from '../src/notify/queue-weekly.js';
import { type RenderedMail, renderDigest } from '../src/notify/render-digest.js';
import { renderWeekly } from '../src/notify/render-weekly.js';
import { sampleDigestFacts } from '../src/notify/sample-digest.js';
import { sampleWeeklyFacts } from '../src/notify/sample-weekly.js';
import { withChromium } from '../src/source/find-chromium.js';

const outDigest = process.argv[2] ?? 'docs/digest.png';
const outWeekly = process.argv[3] ?? 'docs/weekly.png';
const config = loadConfig({
  PUBLIC_URL: 'https://dvc-index.dienbien.gov.vn',
  LOG_LEVEL: 'silent',
  ALERT_TARGETS: 'TTTT:8,MDSH:20',
});
const mails: Array<[string, RenderedMail]> = [
  [outDigest, renderDigest(sampleDigestFacts(), digestOptions(config, 'Điện Biên'))],
  [outWeekly, renderWeekly(sampleWeeklyFacts(), weeklyOptions(config, 'Điện Biên'))],
];
const browser = await chromium.launch({
  executablePath: withChromium(config).chromiumPath,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});
try {
  for (const [out, mail] of mails) {
    const page = await browser.newPage({ viewport: { width: 960, height: 800 }, deviceScaleFactor: 1 });
    // A mail client shows the subject above the body: do the same so the screenshot is complete.
    const header = `<div style="font-family:Arial,sans-serif;font-size:13px;padding:10px 16px;border-bottom:1px solid #ddd;background:#f6f6f6">
<div><b>Từ:</b> ${config.alertFrom}</div><div><b>Tiêu đề:</b> ${mail.subject.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</div></div>`;
    await page.setContent(mail.html.replace(/<body([^>]*)>/, `<body$1>${header}`), { waitUntil: 'load' });
    await page.screenshot({ path: out, fullPage: true });
    await page.close();
    await writeFile(out.replace(/\.png$/, '.html'), mail.html);
    await writeFile(out.replace(/\.png$/, '.txt'), `${mail.subject}\n\n${mail.text}`);
    process.stdout.write(`wrote ${out}\n`);
  }
} finally {
  await browser.close();
}
