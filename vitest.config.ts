import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources (the `source` export condition), so tests need no build:
// they are inlined (not loaded by Node from node_modules, which would pick `default`, the built dist).
const resolve = { conditions: ['source'] };
const server = { deps: { inline: [/@twofold\//] } };
const ssr = { resolve: { conditions: ['source'], externalConditions: ['source'] } };

export default defineConfig({
  resolve,
  ssr,
  test: {
    projects: [
      {
        resolve,
        ssr,
        test: { name: 'unit', server, include: ['{packages,apps,bench}/**/src/**/*.test.ts', 'bench/**/*.test.ts'], exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'] },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'integration',
          server,
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
