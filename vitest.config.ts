import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // No socket of a test process may reach the real portal (tests use the replay portal).
    setupFiles: ['tests/helpers/no-real-portal.ts'],
    // Integration tests isolate themselves (a database per file, a queue prefix per test),
    // so files may run side by side; two workers match the machine's two cores.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
    // The JSON report lets .ci/run print one plain 'N passed, N failed' line at the end.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
