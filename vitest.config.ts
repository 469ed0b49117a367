import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources (the `source` export condition), so tests need no build.
const resolve = { conditions: ['source'] };

export default defineConfig({
  resolve,
  test: {
    projects: [
      {
        resolve,
        test: { name: 'unit', include: ['{packages,apps,bench}/**/src/**/*.test.ts', 'bench/**/*.test.ts'], exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'] },
      },
      {
        resolve,
        test: {
          name: 'integration',
          include: ['{packages,apps,bench}/**/*.int.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // integration files share one PostgreSQL server and two cores: run them one file at a time
          fileParallelism: false,
        },
      },
    ],
  },
});
