/**
 * Three projects: `unit` (libraries against real TLS sockets, in parallel),
 * `e2e` (the whole mesh as local processes, booted once in globalSetup) and
 * `e2e-containers` (the same suites, plus container-only ones, against
 * docker-compose.yml; needs Docker). `pnpm test` runs the first two. Tests import
 * workspace packages from their sources, so they need no build of their own;
 * the e2e driver runs the built services, which `pnpm test` builds first.
 */
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
  moduleNameMapper: {
    '^@portcullis/mesh$': '<rootDir>/tools/mesh/src',
    '^@portcullis/trust/nest$': '<rootDir>/libs/trust/src/nest',
    '^@portcullis/(layout|manifest|pki|trust|contracts)$': '<rootDir>/libs/$1/src',
  },
};

module.exports = {
  // One test file at a time: the end-to-end suites each boot meshes and run load on this
  // machine's two cores, and a suite timing out because another one hogs the CPU proves nothing.
  maxWorkers: 1,
  // Each failure again at the very end, beside the counts, however few suites ran (jest's own
  // threshold is 20): a CI log that keeps only its tail still says what failed and why.
  reporters: [['default', { summaryThreshold: 0 }]],
  projects: [
    {
      ...shared,
      displayName: 'unit',
      setupFilesAfterEnv: ['<rootDir>/test-support/unit-timeouts.ts'],
      testMatch: [
        '<rootDir>/libs/*/test/**/*.test.ts',
        '<rootDir>/tools/*/test/**/*.test.ts',
        '<rootDir>/bench/test/*.test.ts',
        '<rootDir>/services/*/test/**/*.test.ts',
      ],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/e2e/*.test.ts', '<rootDir>/e2e/local/*.test.ts'],
      globalSetup: '<rootDir>/e2e/support/global-setup.ts',
      globalTeardown: '<rootDir>/e2e/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/e2e/support/timeouts.ts'],
    },
    {
      ...shared,
      displayName: 'e2e-containers',
      testMatch: ['<rootDir>/e2e/*.test.ts', '<rootDir>/e2e/containers/*.test.ts'],
      globalSetup: '<rootDir>/e2e/containers/support/global-setup.ts',
      globalTeardown: '<rootDir>/e2e/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/e2e/support/timeouts.ts'],
    },
  ],
};
