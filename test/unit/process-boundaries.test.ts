/**
 * The process boundaries of eslint.config.js, checked by linting a file of each kind: a
 * file's place says what it may import (only *.electron.ts may import electron; the core
 * never imports the shell; the slice never imports the host; src/shared only itself). And
 * the tree as it is: every file that imports electron is named *.electron.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** The import restrictions a file at `path` holding `code` breaks (their messages). */
async function refusals(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = x;\n`, { filePath: join(root, path) });
  return (result?.messages ?? []).filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
}

describe('a file’s place says what it may import', () => {
  it.each([
    ['src/main/core/slices/anything.ts', "import { app as x } from 'electron';", /Only a \*\.electron\.ts file/],
    ['src/main/tray.ts', "import { Tray as x } from 'electron';", /Only a \*\.electron\.ts file/],
    ['src/main/transport/anything.ts', "import { ipcMain as x } from 'electron';", /Only a \*\.electron\.ts file/],
    ['src/http-kit/anything.ts', "import { net as x } from 'electron';", /Only a \*\.electron\.ts file/],
    ['src/slice/anything.ts', "import { app as x } from 'electron';", /Only a \*\.electron\.ts file/],
    ['src/preload/bridge.ts', "import { ipcRenderer as x } from 'electron';", /Only a \*\.electron\.ts file/],
    ['src/main/core/anything.ts', "import { x } from '../index.electron';", /the core runs under plain Node/],
    ['src/slice/anything.ts', "import { loadConfig as x } from '../main/core/config';", /never the host/],
    ['src/slice/drivers/anything.ts', "import { x } from '../../main/core/slices/words';", /never the host/],
    ['src/shared/anything.ts', "import { x } from '../main/core/config';", /imports only src\/shared/],
    ['src/shared/anything.ts', "import { readFileSync as x } from 'node:fs';", /no Node built-ins/],
    ['src/renderer/src/anything.ts', "import { ipcRenderer as x } from 'electron';", /Only a \*\.electron\.ts file/],
  ])('%s may not: %s', async (path, code, words) => {
    const found = await refusals(path, code);
    expect(found.length, `${path} was let import: ${code}`).toBeGreaterThan(0);
    expect(found.join('\n')).toMatch(words);
  });

  it.each([
    ['src/main/index.electron.ts', "import { app as x } from 'electron';"],
    ['src/preload/index.electron.ts', "import { contextBridge as x } from 'electron';"],
    ['src/slice/anything.ts', "import { x } from '../http-kit';"],
    ['src/slice/anything.ts', "import { x } from '@shared/settings';"],
    ['src/main/core/anything.ts', "import { x } from '@shared/settings';"],
    ['src/shared/anything.ts', "import { x } from './settings';"],
  ])('%s may: %s', async (path, code) => {
    expect(await refusals(path, code)).toEqual([]);
  });
});

/** `import … from 'electron'`, `import 'electron'`, `import('electron')`, `require('electron')`. */
const ELECTRON_IMPORT = /\b(?:import\s*(?:[^'";]*?\sfrom\s*)?|import\s*\(\s*|require\s*\(\s*)['"]electron['"]/;

describe('the tree', () => {
  function filesUnder(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return filesUnder(path);
      return /\.tsx?$/.test(entry.name) ? [path] : [];
    });
  }

  it('imports electron only from files named *.electron.ts, and has both of them', () => {
    const importers = filesUnder(join(root, 'src'))
      .filter((file) => ELECTRON_IMPORT.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file))
      .sort();
    expect(importers).toEqual(['src/main/index.electron.ts', 'src/preload/index.electron.ts']);
  });
});
