/**
 * The portal client the rest of the worker uses: the transport named by `PORTAL_TRANSPORT`
 * (`browser` by default, `direct` where plain HTTP works), one pacer for the whole process.
 */
import type { Config } from '../config.js';
import { type Logger, withLogContext } from '../logger.js';
import { type BrowserClientConfig, createBrowserClient } from './browser.js';
import { createDirectClient, type DirectClientConfig } from './direct.js';
import { createPacer, type Pacer } from './politeness.js';
import type { PortalClient } from './portal-types.js';

export type PortalClientConfig = BrowserClientConfig & DirectClientConfig & Pick<Config, 'portalTransport'>;

/**
 * Create the process's portal client. Sessions opened from it share one pacer (one request
 * in flight, the minimum gap with jitter between requests); close it on shutdown.
 */
export function createPortalClient(config: PortalClientConfig, log: Logger, pacer?: Pacer): PortalClient {
  const shared = pacer ?? createPacer({ minGapMs: config.portalMinGapMs, jitterMs: config.portalJitterMs });
  const child = withLogContext(log, { transport: config.portalTransport });
  return config.portalTransport === 'direct'
    ? createDirectClient(config, child, shared)
    : createBrowserClient(config, child, shared);
}
