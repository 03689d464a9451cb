/**
 * Loaded before every test file (vitest `setupFiles`): no socket of the test process may
 * connect to the real portal. A test that names it (to check that a command refuses it, or
 * how a URL is shown) then cannot reach it even if the code under test regresses: the
 * connection throws before any DNS lookup. Chromium is a separate process and only ever gets
 * the replay portal's loopback URL from the tests.
 */
import net from 'node:net';

/** The real portal's hosts (the same pattern the seed command refuses). */
export const REAL_PORTAL_HOST = /(^|\.)dichvucong\.gov\.vn\.?$/i;

const GUARDED = Symbol.for('dvc-index.no-real-portal');
const proto = net.Socket.prototype as net.Socket & { [GUARDED]?: true };

function hostOf(args: unknown[]): string | undefined {
  // net.connect/tls.connect hand Socket#connect a normalised [options, callback] array.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first && typeof first === 'object') {
    const o = first as { host?: unknown; servername?: unknown };
    return typeof o.host === 'string' ? o.host : typeof o.servername === 'string' ? o.servername : undefined;
  }
  return typeof args[1] === 'string' ? args[1] : undefined;
}

if (!proto[GUARDED]) {
  const connect = proto.connect;
  proto.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const host = hostOf(args);
    if (host && REAL_PORTAL_HOST.test(host))
      throw new Error(`a test tried to connect to the real portal (${host}); tests use the replay portal`);
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof proto.connect;
  proto[GUARDED] = true;
}
