// ESLint (typescript-eslint): correctness rules; formatting is not linted.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import virtsim from './tools/eslint/module-boundaries.mjs';

// What each project may import, by its Nx tags (docs/architecture.md explains why). Production files:
const ours = (...scopes) => scopes.map((s) => `scope:${s}`);
const productionConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ours('client', 'contracts', 'domain', 'event-store', 'messaging', 'service-kit') },
  // the generated REST client stands alone: a user's program depends on it and openapi-fetch only
  { sourceTag: 'scope:client', onlyDependOnLibsWithTags: [], allowedExternalImports: ['openapi-fetch'] },
  { sourceTag: 'scope:contracts', onlyDependOnLibsWithTags: [], allowedExternalImports: ['zod', 'node:crypto'] },
  // the domain is pure: no framework, database, broker, network or file system
  { sourceTag: 'scope:domain', onlyDependOnLibsWithTags: ours('contracts'), allowedExternalImports: ['node:crypto'] },
  { sourceTag: 'scope:event-store', onlyDependOnLibsWithTags: ours('contracts') },
  { sourceTag: 'scope:messaging', onlyDependOnLibsWithTags: ours('contracts') },
  { sourceTag: 'scope:service-kit', onlyDependOnLibsWithTags: ours('contracts', 'event-store', 'messaging') },
  { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ours('contracts', 'domain', 'event-store', 'messaging', 'service-kit') },
];
// Tests may also use libs/testing (a domain unit test only its infrastructure-free '@virtsim/testing/decider').
const testConstraints = productionConstraints.map((c) => (c.sourceTag === 'scope:contracts' ? c
  : { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'scope:testing'] }));
export const testFiles = ['**/*.spec.ts', '**/*.fixtures.ts', '**/test/**'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.virtsim/**', '**/*.d.ts'] },
  js.configs.recommended,
  { files: ['**/*.mjs', '**/*.js'], languageOptions: { globals: { URL: 'readonly', process: 'readonly', console: 'readonly' } } },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'use the seeded prng (libs/domain/src/shared/prng.ts)' }],
    },
  },
  { plugins: { virtsim } },
  { files: ['apps/**/*.ts', 'libs/**/*.ts'], ignores: testFiles, rules: { 'virtsim/module-boundaries': ['error', { depConstraints: productionConstraints }] } },
  { files: testFiles, rules: { 'virtsim/module-boundaries': ['error', { depConstraints: testConstraints, allowTestSupport: true }] } },
  { files: ['libs/domain/**/*.spec.ts'], rules: { 'no-restricted-imports': ['error', { paths: [
    { name: '@virtsim/testing', message: "a domain unit test runs without infrastructure: import '@virtsim/testing/decider'" }] }] } },
  {
    files: ['libs/domain/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'the domain is deterministic: use the seeded prng' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'the domain uses simulated time only' },
        { selector: "NewExpression[callee.name='Date']", message: 'the domain uses simulated time only' }],
    },
  },
);
