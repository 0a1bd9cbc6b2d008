// ESLint for the TypeScript sources (npm run lint; part of npm test).
//
// The rule set is chosen to catch bugs, not to restyle the code: formatting and naming are left
// alone, and every rule below either finds a real defect class or enforces the structure
// (no import cycles). What is on and why:
//  - @eslint/js recommended + typescript-eslint recommended, without type information (the
//    type-checked presets build a TypeScript program per tsconfig on every run, and `tsc` already
//    type-checks). Both presets are kept whole, defaults included (outside the renderer the code
//    met them after one fix, a comma expression in a test helper), except `no-explicit-any` in
//    test/: tests read JSON from the CLI and the host and assert on its shape, where `any` is the
//    point.
//  - react-hooks (renderer only): rules-of-hooks and exhaustive-deps as errors, the two rules whose
//    violations are bugs (a stale memo or effect reads old state). Its React Compiler rules
//    (purity, refs, set-state-in-effect, …) are not enabled: they judge code for a compiler this
//    app does not use.
//  - An `eslint-disable` that suppresses nothing is an error; one that stays says why in a comment.
//  - import-x/no-cycle over app, main and the renderer, resolved through both tsconfigs
//    (NodeNext `.js` specifiers in tsconfig.json, Bundler resolution in renderer/tsconfig.json),
//    so a cycle anywhere fails the lint step.
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // A suppression that suppresses nothing is stale and misleads the reader: an error, not a warning.
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    ignores: [
      '**/node_modules/**',
      'dist/**',
      'out/**',
      '.cache/**',
      '.dev/**',
      // Two files that import each other on purpose: test/lint.no-cycle.test.ts lints them with
      // `ignore: false` and expects import-x/no-cycle to fire.
      'test/lint-fixtures/**',
    ],
  },
  {
    files: ['{app,main,renderer,bench,test,e2e}/**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    plugins: { 'import-x': importX },
    settings: {
      // Without this import-x follows only .js files: no-cycle would see no edges and pass everything.
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ project: ['tsconfig.json', 'renderer/tsconfig.json'], noWarnOnMultipleProjects: true }),
      ],
    },
    rules: { 'import-x/no-cycle': 'error' },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Hooks exist only in the renderer; elsewhere a `use…` name (the tests' useTestHost) is not a hook.
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
);
