// One jest run, three projects: `unit` (pure, no I/O), `integration` (real Kafka, registry and
// Postgres started once per run by packages/testing's global setup) and `faults` (its own stack). The repo is ESM, so jest runs
// under --experimental-vm-modules and ts-jest transpiles each file on its own (tsc -b typechecks).
const tsJest = ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.jest.json' }];

const shared = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': tsJest },
  moduleNameMapper: {
    // Workspace packages resolve to their sources so tests never need a prior build.
    '^@allo-pipeline/infra$': '<rootDir>/infra/src/index.ts',
    '^@allo-pipeline/([a-z0-9-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
};

const projects = [
  {
    ...shared,
    displayName: 'unit',
    testMatch: ['<rootDir>/{packages,services,infra}/**/*.test.ts'],
    testPathIgnorePatterns: [...shared.testPathIgnorePatterns, '\\.(int|faults)\\.test\\.ts$'],
  },
  {
    ...shared,
    displayName: 'integration',
    testMatch: ['<rootDir>/{packages,services,infra}/**/*.int.test.ts'],
    globalSetup: '<rootDir>/packages/testing/jest-global-setup.js',
    globalTeardown: '<rootDir>/packages/testing/jest-global-teardown.js',
  },
  {
    // `npm run test:faults`: crashes, outages, hostile input and a cluster, on a stack of its own.
    ...shared,
    displayName: 'faults',
    testMatch: ['<rootDir>/infra/faults/**/*.faults.test.ts'],
    globalSetup: '<rootDir>/packages/testing/jest-faults-global-setup.js',
    globalTeardown: '<rootDir>/packages/testing/jest-faults-global-teardown.js',
  },
];

// ALLO_TEST_PROJECT=unit|integration|faults picks one project; (`--selectProjects` would swallow the
// path filters that `npm run test:unit -- <path>` appends).
const only = process.env.ALLO_TEST_PROJECT;

/** @type {import('jest').Config} */
export default {
  // Global option (jest ignores it per project); integration tests wait on real servers.
  testTimeout: 120_000,
  // The fault suite's summary table (scenario, events sent, acknowledged, lost, duplicated, time
  // to recover) after its files; reporters are global options, so only when it runs alone.
  ...(only === 'faults' ? { reporters: ['default', '<rootDir>/infra/faults/summary-reporter.js'] } : {}),
  projects: only ? projects.filter((project) => project.displayName === only) : projects,
};
