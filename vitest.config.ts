import { defineConfig } from 'vitest/config';

// Six suites: unit (pure logic), integration (real emulators over HTTP, every backend present),
// infra (CDK template, wiring, cdk-nag), faults (injected faults), e2e (the `hld` CLI as a user drives it), browser (the HTML briefing book in chromium).
export default defineConfig({
  test: {
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 30_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/report-backends.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      { test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 120_000 } },
      {
        // Faults injected into real runs: kill -9 at random instants, damaged state, a full disk,
        // dead emulators, racing commands (README "Reliability").
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          globalSetup: ['test/integration/report-backends.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
      {
        // The HTML briefing book in Debian's chromium (playwright-core): `npx vitest run --project browser`.
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 180_000 },
      },
    ],
  },
});
