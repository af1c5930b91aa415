// Lint, and above all the layering rules of DESIGN.md: where code runs decides what it may import.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** shared/ may import zod and files inside shared/ only: a relative import is resolved and must stay inside the folder. */
const sharedImports = {
  meta: { type: 'problem', messages: { outside: 'shared/ may import only zod and other files of shared/ (found "{{source}}").' } },
  create(context) {
    const sharedRoot = resolve(context.cwd, 'shared');
    const check = (node) => {
      const source = node.source?.value;
      if (typeof source !== 'string' || source === 'zod') return;
      const inside = source.startsWith('.') && !relative(sharedRoot, resolve(dirname(context.filename), source)).startsWith('..');
      if (!inside) context.report({ node, messageId: 'outside', data: { source } });
    };
    return { ImportDeclaration: check, ExportAllDeclaration: check, ExportNamedDeclaration: check, ImportExpression: check };
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'dist.*/**', 'release/**', 'node_modules/**', 'test-output/**', '.lab/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'bench/**/*.mjs', 'eslint.config.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', performance: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' },
    },
  },
  {
    // The renderer runs in a sandboxed page: no Node, no Electron, and no reaching into the core.
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The renderer may not import electron: talk to the core through the contract client.' },
            ...nodeBuiltins.map((name) => ({ name, message: 'The renderer may not import Node modules: it runs in a sandboxed page.' })),
          ],
          patterns: [
            { group: ['node:*'], message: 'The renderer may not import Node modules: it runs in a sandboxed page.' },
            { group: ['**/electron/**', 'electron/*'], message: 'The renderer may not import core or main-process code: use the contract client.' },
          ],
        },
      ],
    },
  },
  {
    // The contract and pure helpers are shared by every process: zod and each other, nothing else.
    files: ['shared/**/*.ts'],
    // Tests beside shared code run in Node only and never ship to the renderer or preload.
    ignores: ['shared/**/*.test.ts'],
    plugins: { copper: { rules: { 'shared-imports': sharedImports } } },
    rules: { 'copper/shared-imports': 'error' },
  },
  {
    // The core is plain Node so it runs unchanged under tests and the CLI.
    files: ['electron/core/**/*.ts', 'electron/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The core and the CLI may not import electron: they must run in plain Node.' }],
          patterns: [
            { group: ['**/electron/main/**', '**/electron/preload/**', '../main/*', '../preload/*'], message: 'The core may not depend on the Electron shell.' },
            { group: ['**/renderer/**'], message: 'The core may not import renderer code.' },
          ],
        },
      ],
    },
  },
);
