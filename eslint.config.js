// Lint for slicedeck: typescript-eslint's recommended rules, plus the process
// boundaries of docs/ARCHITECTURE.md enforced as import restrictions, so that a
// wrong import fails `npm run lint` instead of a build on another machine.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The globals the plain-JS scripts use (TypeScript files get theirs from the compiler). */
const NODE_GLOBALS = Object.fromEntries(
  ['process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'performance', 'fetch', 'AbortController', 'TextEncoder', 'TextDecoder', 'structuredClone', 'queueMicrotask', '__dirname'].map((name) => [name, 'readonly']),
);

const NODE_BUILTINS = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'http2', 'https', 'module', 'net', 'os', 'path', 'perf_hooks', 'process', 'querystring', 'readline',
  'stream', 'string_decoder', 'timers', 'tls', 'tty', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

/**
 * A file's place says what it may import (Signal-Desktop's file-suffix rule, made ours):
 *   *.electron.ts      runs inside Electron (the shell's entry, the preload's): the only files that may import electron
 *   src/main/core/**   the host core, plain Node: never electron, never the Electron shell
 *   src/slice/**       the service in a container: src/shared and src/http-kit, never the host (src/main)
 *   src/shared/**      the contract both processes and the window use: only src/shared, no Node built-ins
 *   src/renderer/**    the window: no electron, no Node built-ins
 * test/unit/process-boundaries.test.ts lints a file of each kind to keep these rules honest.
 */
const ELECTRON_FILES = 'src/**/*.electron.ts';
const noElectron = {
  name: 'electron',
  message: 'Only a *.electron.ts file (the Electron shell\'s entry, the preload\'s) may import electron; everything else runs (and is tested) under plain Node or in a browser. Put what needs electron there and pass it in.',
};
const noNodeBuiltins = [
  { group: ['node:*'], message: 'The contract and the renderer run in a browser: no Node built-ins here.' },
];
const noBareNodeBuiltins = NODE_BUILTINS.map((name) => ({ name, message: 'The contract and the renderer run in a browser: no Node built-ins here.' }));
const noElectronShell = { group: ['**/*.electron', '**/*.electron.ts'], message: 'The Electron shell uses the core, never the other way round: the core runs under plain Node and in web mode.' };
const noHost = { group: ['**/main/**'], message: 'The slice runs in its own container, bundled alone: it may use src/shared and src/http-kit, never the host (src/main).' };
const sharedOnly = { group: ['../*', '**/main/**', '**/slice/**', '**/http-kit/**', '**/renderer/**'], message: 'src/shared is what every process and the window use: it imports only src/shared (and packages that run in a browser).' };

export default tseslint.config(
  {
    ignores: ['node_modules/', 'out/', 'dist/', '.cache/', 'test-results/', 'playwright-report/', 'bench/results*.json', '.slicedeck-data/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: NODE_GLOBALS },
    rules: {
      // `_`-prefixed names are deliberately unused (destructuring something out, a required parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Playwright fixtures must destructure their first argument, even when they need nothing from it.
    files: ['test/e2e/**/*.ts', 'test/electron/**/*.ts'],
    rules: { 'no-empty-pattern': 'off' },
  },
  {
    // Everything in src but a *.electron.ts file runs (and is tested) under plain Node or in a browser.
    files: ['src/**/*.{ts,tsx}'],
    ignores: [ELECTRON_FILES],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron] }] },
  },
  {
    files: ['src/main/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron], patterns: [noElectronShell] }] },
  },
  {
    files: ['src/slice/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron], patterns: [noHost, noElectronShell] }] },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron, ...noBareNodeBuiltins], patterns: [...noNodeBuiltins, sharedOnly] }] },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron, ...noBareNodeBuiltins], patterns: noNodeBuiltins }] },
  },
);
