/** A literal environment for `loadConfig` in tests: local services, no real portal. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    PORTAL_BASE_URL: 'http://127.0.0.1:9', // never the real portal; tests point it at a replay portal
    PORTAL_MIN_GAP_MS: '0',
    PORTAL_JITTER_MS: '0',
    LOG_LEVEL: 'silent',
    ...overrides,
  };
}
