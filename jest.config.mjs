import { root, swcConfig } from './tools/swc-config.mjs';
import { readFileSync } from 'node:fs';

const paths = JSON.parse(readFileSync(new URL('./tsconfig.base.json', import.meta.url), 'utf8')).compilerOptions.paths;
const aliases = Object.fromEntries(Object.entries(paths).map(([k, [v]]) => [`^${k}$`, `<rootDir>/${v}`]));

const common = {
  rootDir: root,
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcConfig(), swcrc: false }] },
  moduleNameMapper: { ...aliases, '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

export default {
  rootDir: root,
  // per-project testTimeout is ignored by jest: one generous default, unit tests finish far below it
  testTimeout: 120000,
  // a suite that leaves a socket open must not hang CI after every test has reported
  forceExit: true,
  // PostgreSQL and NATS for the int and e2e projects: the environment, the local servers, or testcontainers
  globalSetup: '<rootDir>/libs/testing/jest-global-setup.mjs',
  globalTeardown: '<rootDir>/libs/testing/jest-global-teardown.mjs',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools,launcher}/**/*.unit.spec.ts'] },
    { ...common, displayName: 'int', testMatch: ['<rootDir>/{apps,libs,tools,launcher}/**/*.int.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/{apps,libs,tools,launcher}/**/*.e2e.spec.ts'] },
  ],
};
