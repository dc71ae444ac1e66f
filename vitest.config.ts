import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the
// "@twostep/source" export condition, so tests need no build step.
const conditions = ['@twostep/source'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
