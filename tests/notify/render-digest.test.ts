import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { classify, loadConfig } from '../../src/config.js';
import { renderDigest } from '../../src/notify/render-digest.js';
import { sampleDigestFacts } from '../../src/notify/sample-digest.js';
import { testEnv } from '../helpers/env.js';

const config = loadConfig(testEnv({ PUBLIC_URL: 'https://dvc-index.dienbien.gov.vn' }));
const opts = {
  portalUrl: 'https://dichvucong.gov.vn/danh-gia-chat-luong-phuc-vu',
  publicUrl: config.publicUrl,
  provinceName: 'Điện Biên',
  classify: (t: number | null) => classify(config, t),
};

/** Rows of the table that follows the heading starting with `title`. */
function rows($: cheerio.CheerioAPI, title: string): string[][] {
  const h = $('h2').filter((_, el) => $(el).text().startsWith(title));
  return h
    .next('table')
    .find('tbody tr')
    .toArray()
    .map((tr) =>
      $(tr)
        .find('td')
        .toArray()
        .map((td) => $(td).text().trim()),
    );
}

describe('renderDigest', () => {
  const mail = renderDigest(sampleDigestFacts(), opts);
  const $ = cheerio.load(mail.html);

  it('puts the province, report date and counts in the subject', () => {
    expect(mail.subject).toBe(
      '[dvc-index] Điện Biên – số liệu ngày 26/11/2026: 2 giảm mới, 1 giảm thêm, 1 phục hồi, 1 xuống loại',
    );
  });

  it('lists new falls with unit, group, before → after, change and why', () => {
    const r = rows($, 'Giảm điểm mới');
    expect(r).toHaveLength(3);
    expect(r[0]?.slice(0, 4)).toEqual([
      'UBND tỉnh Điện Biên (toàn tỉnh)H18',
      'Thanh toán trực tuyến (TTTT)năm 2026',
      '6,67 → 6,41',
      '−0,26',
    ]);
    expect(r[0]?.[4]).toContain(
      'tỷ lệ thanh toán trực tuyến 42,0% → 35,5%: 1.204/3.390 hồ sơ có phí được thanh toán trực tuyến',
    );
    expect(r[1]?.[4]).toContain('so với ngày 23/11/2026, cách 3 ngày');
    expect(r[2]?.[4]).toContain('giảm thêm (mốc 5,60, từ 21/11/2026)');
  });

  it('lists still-open episodes and recoveries, the province total and rank, and flags', () => {
    expect(rows($, 'Vẫn đang giảm')).toEqual([
      [
        'Phường Điện Biên PhủH18.101',
        'Số hóa hồ sơ (MDSH)năm 2026',
        '17,20 → 16,10',
        '15,95',
        '18/11/2026 (8 ngày)',
      ],
      [
        'Xã Thanh NưaH18.106',
        'Thanh toán trực tuyến (TTTT)năm 2026',
        '7,45 → 7,30',
        '7,05',
        '24/11/2026 (2 ngày)',
      ],
    ]);
    expect(rows($, 'Đã phục hồi')).toEqual([
      [
        'Sở Tư phápH18.06',
        'Thanh toán trực tuyến (TTTT)năm 2026',
        '9,20',
        '9,40',
        '8,55',
        '14/11/2026 (12 ngày)',
      ],
    ]);
    expect(mail.text).toContain('Tổng điểm của tỉnh (năm): 78,42/100 – xếp loại Khá, xếp hạng 20/34.');
    expect(mail.text).toContain(
      'Cảnh báo: tổng điểm của toàn tỉnh giảm 0,53 điểm (78,95 → 78,42, năm 2026).',
    );
    expect(mail.text).toContain('Xuống loại: Sở Tài nguyên và Môi trường từ Tốt xuống Khá');
    expect(mail.text).toContain('thang điểm đổi từ 22,00 sang 20,00');
  });

  it('links to the portal and each unit’s history page, with no images', () => {
    const hrefs = $('a')
      .toArray()
      .map((a) => $(a).attr('href'));
    expect(hrefs).toContain('https://dichvucong.gov.vn/danh-gia-chat-luong-phuc-vu');
    expect(hrefs).toContain('https://dvc-index.dienbien.gov.vn/units/5e0a7c1e-2b1f-4c7e-9d2a-0f1e2d3c4b01');
    expect($('img')).toHaveLength(0);
    expect(mail.text).toContain(
      'https://dvc-index.dienbien.gov.vn/units/b8c3b6f4-6a5e-4f65-9b54-3c0d1e0f1a18',
    );
  });

  it('escapes HTML in names', () => {
    const facts = sampleDigestFacts();
    const evil = { ...facts, events: [{ ...facts.events[1]!, unitName: 'Sở <b>X</b> & "Y"' }] };
    const out = renderDigest(evil, opts);
    expect(out.html).toContain('Sở &lt;b&gt;X&lt;/b&gt; &amp; &quot;Y&quot;');
    expect(out.html).not.toContain('<b>X</b>');
  });
});
