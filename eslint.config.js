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

const noElectron = {
  name: 'electron',
  message: 'Only the Electron shell (src/main/index.ts) and the preload may import electron; everything else runs (and is tested) under plain Node or in a browser.',
};
const noNodeBuiltins = [
  { group: ['node:*'], message: 'The contract and the renderer run in a browser: no Node built-ins here.' },
];
const noBareNodeBuiltins = NODE_BUILTINS.map((name) => ({ name, message: 'The contract and the renderer run in a browser: no Node built-ins here.' }));

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
    // Everything but the Electron shell and the preload entry runs (and is tested) under plain Node:
    // a new file is inside the boundary unless it is one of the two named here.
    files: ['src/main/**/*.ts', 'src/slice/**/*.ts', 'src/preload/**/*.ts', 'src/http-kit/**/*.ts'],
    ignores: ['src/main/index.ts', 'src/preload/index.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron] }] },
  },
  {
    files: ['src/shared/**/*.ts', 'src/renderer/**/*.{ts,tsx}'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron, ...noBareNodeBuiltins], patterns: noNodeBuiltins }] },
  },
);
