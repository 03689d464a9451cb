import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { classify, loadConfig } from '../../src/config.js';
import { digestOptions } from '../../src/notify/queue-digest.js';
import { type DigestOptions, renderDigest } from '../../src/notify/render-digest.js';
import { sampleDigestFacts } from '../../src/notify/sample-digest.js';
import { testEnv } from '../helpers/env.js';

const config = loadConfig(testEnv({ PUBLIC_URL: 'https://dvc-index.dienbien.gov.vn' }));
const opts: DigestOptions = {
  portalUrl: 'https://dichvucong.gov.vn/danh-gia-chat-luong-phuc-vu',
  publicUrl: config.publicUrl,
  provinceName: 'Điện Biên',
  classify: (t: number | null) => classify(config, t),
  majorDropCents: 50,
  minor: 'digest',
  targetOf: () => null,
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

  it('puts the province, report date and severity counts in the subject', () => {
    expect(mail.subject).toBe(
      '[dvc-index] Điện Biên – số liệu ngày 26/11/2026: 3 giảm mạnh, 4 giảm nhẹ, 1 phục hồi, 1 xuống loại',
    );
  });

  it('leads with major falls, the deepest first, with why each is major', () => {
    const r = rows($, 'Giảm mạnh');
    expect(r.map((x) => x.slice(0, 4))).toEqual([
      ['Phường Mường ThanhH18.102', 'Thanh toán trực tuyến (TTTT)năm 2026', '8,10 → 5,00', '−3,10'],
      ['Sở Tài nguyên và Môi trườngH18.12', 'Số hóa hồ sơ (MDSH)năm 2026', '15,80 → 14,25', '−1,55'],
      ['Xã Mường PhăngH18.104', 'Thanh toán trực tuyến (TTTT)năm 2026', '5,10 → 4,35', '−0,75'],
    ]);
    expect(r[0]?.[4]).toContain('giảm mạnh: giảm 3,10 điểm (31,0% thang điểm)');
    expect(r[0]?.[4]).toContain('tỷ lệ thanh toán trực tuyến 81,0% → 50,0%');
    expect(r[1]?.[4]).toContain('tổng điểm xuống loại');
    expect(r[1]?.[4]).toContain('so với ngày 23/11/2026, cách 3 ngày');
    // a worsening is as serious as its whole episode: 5,60 → 4,35
    expect(r[2]?.[4]).toContain('giảm mạnh: giảm 1,25 điểm');
    expect(r[2]?.[4]).toContain('giảm thêm (mốc 5,60, từ 21/11/2026)');
  });

  it('lists minor falls after, compactly, the deepest first (the province’s −0,01 last)', () => {
    const h = $('h2').filter((_, el) => $(el).text() === 'Giảm nhẹ (4)');
    const items = h
      .next('ul')
      .find('li')
      .toArray()
      .map((li) => $(li).text());
    expect(items).toEqual([
      'UBND tỉnh Điện Biên (toàn tỉnh) (H18) – TTTT năm 2026: 6,67 → 6,41 (−0,26; giảm mới; 2,6% thang điểm)',
      'Sở Y tế (H18.09) – MDSH năm 2026: 16,30 → 16,18 (−0,12; giảm thêm, mốc 16,40; 1,0% thang điểm)',
      'Xã Thanh Xương (H18.107) – MDSH năm 2026: 20,06 → 19,96 (−0,10; giảm mới; 0,5% thang điểm)',
      'UBND tỉnh Điện Biên (toàn tỉnh) (H18) – MDSH năm 2026: 18,42 → 18,41 (−0,01; giảm mới; 0,0% thang điểm)',
    ]);
    expect($('h2').first().text()).toBe('Giảm mạnh (3)');
  });

  it('makes a fall that crosses its target major, whatever its size', () => {
    const withTargets = renderDigest(sampleDigestFacts(), {
      ...digestOptions(loadConfig(testEnv({ ALERT_TARGETS: 'TTTT:8,MDSH:20' })), 'Điện Biên'),
      publicUrl: config.publicUrl,
    });
    expect(withTargets.subject).toContain(': 4 giảm mạnh, 3 giảm nhẹ, 1 phục hồi');
    const r = rows(cheerio.load(withTargets.html), 'Giảm mạnh');
    expect(r[0]?.[4]).toContain('giảm mạnh: giảm 3,10 điểm (31,0% thang điểm), xuống dưới chỉ tiêu 8,00');
    expect(r[3]?.[0]).toBe('Xã Thanh XươngH18.107');
    expect(r[3]?.[4]).toContain('giảm mạnh: xuống dưới chỉ tiêu 20,00');
  });

  it('marks every unit below its target: falls, minor falls and still-open episodes', () => {
    const m = renderDigest(sampleDigestFacts(), {
      ...digestOptions(
        loadConfig(testEnv({ ALERT_TARGETS: 'TTTT:8,MDSH:20,agency.MDSH:16.2' })),
        'Điện Biên',
      ),
      publicUrl: config.publicUrl,
    });
    const $m = cheerio.load(m.html);
    const major = rows($m, 'Giảm mạnh');
    expect(major[0]?.[4]).toContain('xuống dưới chỉ tiêu 8,00 (thiếu 3,00)');
    // an agency's own MDSH target (16,20) replaces the general one (20): Sở TN&MT 14,25 is 1,95 short
    expect(major.find((x) => x[0]?.startsWith('Sở Tài nguyên'))?.[4]).toContain(
      'dưới chỉ tiêu 16,20 (thiếu 1,95)',
    );
    // Sở Y tế's worsening 16,40 → 16,18 crosses that target: major, however small
    expect(major.find((x) => x[0]?.startsWith('Sở Y tế'))?.[4]).toMatch(
      /^giảm mạnh: xuống dưới chỉ tiêu 16,20 \(thiếu 0,02\)giảm thêm/,
    );
    expect(m.text).toContain(
      'UBND tỉnh Điện Biên (toàn tỉnh) (H18) – MDSH năm 2026: 18,42 → 18,41 (−0,01; giảm mới; 0,0% thang điểm; dưới chỉ tiêu 20,00 (thiếu 1,59))',
    );
    expect(rows($m, 'Vẫn đang giảm').map((x) => x[2])).toEqual([
      '17,20 → 16,10dưới chỉ tiêu 20,00 (thiếu 3,90)',
      '7,45 → 7,30dưới chỉ tiêu 8,00 (thiếu 0,70)',
    ]);
    // without targets, nothing is marked
    expect(mail.html).not.toContain('chỉ tiêu');
  });

  it('lists still-open episodes and recoveries, the province total and rank, and flags', () => {
    // the deeper open episode first (1,25 before 0,40)
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

/** The counts of a subject and of the sections' headings and rows/items. */
function countsOf(mail: { subject: string; html: string }) {
  const $ = cheerio.load(mail.html);
  const subject: Record<string, number> = {};
  for (const m of mail.subject
    .split(': ')
    .at(-1)!
    .matchAll(/(\d+) (giảm mạnh|giảm nhẹ|phục hồi)/g))
    subject[m[2]!] = Number(m[1]);
  const sections: Record<string, number> = {};
  const shown: Record<string, number> = {};
  for (const [title, key] of [
    ['Giảm mạnh', 'giảm mạnh'],
    ['Giảm nhẹ', 'giảm nhẹ'],
    ['Đã phục hồi', 'phục hồi'],
  ] as const) {
    const h = $('h2').filter((_, el) => $(el).text().startsWith(`${title} (`));
    if (h.length === 0) continue;
    sections[key] = Number(/\((\d+)\)/.exec(h.text())?.[1]);
    shown[key] = h.next('table').find('tbody tr').length + h.next('ul').find('li').length;
  }
  return { subject, sections, shown };
}

describe('subject and sections', () => {
  /** Random digests: falls of random depth, kinds and groups, recoveries and open episodes. */
  function randomFacts(seed: number) {
    let x = seed;
    const rnd = () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return x / 2 ** 31;
    };
    const base = sampleDigestFacts();
    const proto = base.events.find((e) => e.kind === 'opened')!;
    const rec = base.events.find((e) => e.kind === 'recovered')!;
    const events = [];
    const n = Math.floor(rnd() * 12);
    for (let i = 0; i < n; i++) {
      const group = rnd() < 0.5 ? ('TTTT' as const) : ('MDSH' as const);
      const max = group === 'TTTT' ? 10 : 22;
      const baseline = Math.round(rnd() * max * 100) / 100;
      const before = Math.round((baseline - rnd() * baseline * 0.2) * 100) / 100;
      const after = Math.round((before - 0.01 - rnd() * 1.5) * 100) / 100;
      const kind = rnd() < 0.6 ? ('opened' as const) : ('worsened' as const);
      events.push({
        ...proto,
        kind,
        unitId: `u${i}`,
        unitName: `Đơn vị ${i}`,
        unitKind: rnd() < 0.5 ? ('agency' as const) : ('commune' as const),
        group,
        maxScore: max,
        before: kind === 'opened' ? baseline : before,
        baseline,
        after,
        worst: after,
      });
      if (rnd() < 0.3)
        events.push({ ...rec, unitId: `r${i}`, baseline: 8, worst: Math.round(rnd() * 800) / 100 });
    }
    return { ...base, events };
  }

  for (const minor of ['digest', 'weekly', 'off'] as const)
    it(`subject counts equal the sections' counts and rows (ALERT_MINOR=${minor}, 40 random digests)`, () => {
      for (let seed = 1; seed <= 40; seed++) {
        const facts = seed === 1 ? sampleDigestFacts() : randomFacts(seed);
        const o = { ...opts, minor, targetOf: seed % 2 ? () => 8 : () => null };
        const c = countsOf(renderDigest(facts, o));
        expect(c.sections, `seed ${seed}`).toEqual(c.subject);
        expect(c.shown, `seed ${seed}`).toEqual(c.subject);
        expect(Object.keys(c.subject).sort()).toEqual(
          (minor === 'digest' ? ['giảm mạnh', 'giảm nhẹ', 'phục hồi'] : ['giảm mạnh', 'phục hồi']).sort(),
        );
      }
    });

  it('with ALERT_MINOR=weekly the digest holds the minor falls back and says where they are', () => {
    const mail = renderDigest(sampleDigestFacts(), { ...opts, minor: 'weekly' });
    expect(mail.subject).toContain(': 3 giảm mạnh, 1 phục hồi, 1 xuống loại');
    expect(mail.html).not.toContain('Giảm nhẹ (');
    expect(mail.text).toContain('4 đơn vị giảm nhẹ hôm nay và 1 đợt giảm nhẹ còn mở không liệt kê ở đây');
    // the minor open episode (Thanh Nưa, 0,40) is held too
    expect(rows(cheerio.load(mail.html), 'Vẫn đang giảm').map((r) => r[0])).toEqual([
      'Phường Điện Biên PhủH18.101',
    ]);
  });
});
