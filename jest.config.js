/** Jest runs the TypeScript sources as ES modules (NestJS 12 packages are ESM-only). */
const tsJest = ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
};

export default {
  // Per-project testTimeout is ignored by jest: the npm scripts pass --testTimeout for the end-to-end runs.
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      // A service or server a failed test left running would keep jest from exiting: killed after each file.
      setupFilesAfterEnv: ['<rootDir>/test/support/leftover-children.ts'],
    },
  ],
};
