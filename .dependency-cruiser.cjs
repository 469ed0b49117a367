// The direction of dependencies, enforced by `npm test` (npm run lint:deps): everything points inward to
// packages/core; adapters never know each other; nothing reaches into the apps; test support stays in tests.
const adapters = '(postgres|redis|nats|http|cli)';
const tests = '[.](int[.])?test[.]ts$|[.]fixture[.]ts$|/test/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-is-the-centre',
      comment: 'packages/core imports no adapter, no app and no test support: they depend on it, never the reverse',
      severity: 'error',
      from: { path: '^packages/core/' },
      to: { path: '^(packages/(?!core/)[^/]+|apps|bench)/' },
    },
    {
      name: 'core-does-no-io',
      comment: 'the core decides and folds; files, sockets, processes and threads belong to adapters and apps',
      severity: 'error',
      from: { path: '^packages/core/src/', pathNot: tests },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|fs/promises|net|http|https|http2|tls|dgram|dns|child_process|cluster|worker_threads|readline|os|process|stream|stream/promises|zlib|inspector|v8|vm|sqlite|repl|tty)$' },
    },
    {
      name: 'adapters-do-not-know-each-other',
      comment: 'an adapter speaks to core only; composing adapters is the job of an app',
      severity: 'error',
      from: { path: `^packages/${adapters}/` },
      to: { path: `^packages/${adapters}/`, pathNot: '^packages/$1/' },
    },
    {
      name: 'nothing-imports-apps',
      comment: 'apps are the outermost ring: packages import no app',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'apps-meet-through-public-entries',
      comment: 'an app (or its tests) uses another app as a user would: through its package entry, never its internals',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: ['^apps/$1/', '^apps/[^/]+/dist/index[.](d[.]ts|js)$'] },
    },
    {
      name: 'bench-uses-public-entries',
      comment: 'the benchmarks run the shop as a user would: through its package entry, never its internals',
      severity: 'error',
      from: { path: '^bench/' },
      to: { path: '^apps/[^/]+/', pathNot: '^apps/[^/]+/dist/index[.](d[.]ts|js)$' },
    },
    {
      name: 'test-support-only-in-tests',
      comment: '@twofold/testing (test databases, contract suites) is for tests, never for production code',
      severity: 'error',
      from: { path: '^(packages|apps)/', pathNot: `${tests}|^packages/testing/` },
      to: { path: '^packages/testing/' },
    },
    {
      name: 'no-cycles',
      comment: 'a cycle means two modules are one concept split badly, or two concepts tangled',
      severity: 'error',
      from: { path: '^(packages|apps)/[^/]+/src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: '(^|/)(node_modules|dist)/' },
    exclude: { path: '(^|/)node_modules/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'types', 'default'], extensions: ['.ts', '.js'] },
  },
};
