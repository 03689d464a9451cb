/** The guard every test file loads: the test process cannot open a socket to the real portal. */
import net from 'node:net';
import tls from 'node:tls';
import { expect, it } from 'vitest';

it('refuses plain, TLS and fetch connections to the real portal before any lookup', async () => {
  expect(() => net.connect({ host: 'dichvucong.gov.vn', port: 443 })).toThrow(/real portal/);
  expect(() => tls.connect({ host: 'www.dichvucong.gov.vn', port: 443 })).toThrow(/real portal/);
  const err = await fetch('https://dichvucong.gov.vn/danh-gia-chat-luong-phuc-vu').then(
    () => null,
    (e: unknown) => e as Error & { cause?: Error },
  );
  expect(err).toBeInstanceOf(Error);
  expect(String(err?.cause ?? err)).toMatch(/real portal/);
});

it('leaves loopback connections alone', async () => {
  const server = net.createServer((s) => s.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const text = await new Promise<string>((resolve, reject) => {
    const c = net.connect({ host: '127.0.0.1', port }, () => undefined);
    let got = '';
    c.on('data', (d) => {
      got += d;
    });
    c.on('end', () => resolve(got));
    c.on('error', reject);
  });
  await new Promise((r) => server.close(r));
  expect(text).toBe('ok');
});
