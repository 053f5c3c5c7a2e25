/**
 * The default app of the Electron stand-in (scripts/lib/electron-stand-in.mjs): what
 * Electron's own default_app.asar does for `electron [-r module]… <main>`, which the
 * Cypress build this stand-in comes from does not ship. The set-up copies this folder
 * into the stand-in as resources/app.
 *
 * 1. Loads every `-r`/`--require` module first (Playwright's `_electron` passes its
 *    loader that way), then
 * 2. imports the main named by the first argument that is not a switch — a file, or a
 *    folder whose package.json names it — after giving the app that package's name,
 *    version and path, as Electron's default app does.
 *
 * An ES module with a top-level await: Electron emits `ready` only once its entry has
 * finished evaluating, so the app's main (and its registerSchemesAsPrivileged) runs
 * before `ready`, as it would as the entry itself.
 */
import { app } from 'electron';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

function requiredModules(argv) {
  const modules = [];
  for (let i = 0; i < argv.length; i++) {
    if ((argv[i] === '-r' || argv[i] === '--require') && argv[i + 1]) modules.push(argv[++i]);
    else if (argv[i].startsWith('--require=')) modules.push(argv[i].slice('--require='.length));
  }
  return modules;
}

/** The first argument that is not a switch (nor a `-r` module): Electron's own default app reads it the same way. */
function mainArgument(argv) {
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '-r' || argv[i] === '--require') i++;
    else if (!argv[i].startsWith('-')) return argv[i];
  }
  return null;
}

function nearestPackage(from) {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return { dir, json: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) };
    if (dirname(dir) === dir) return null;
  }
}

for (const module of requiredModules(process.argv.slice(1))) require(resolve(module));

// Read after the -r modules: Playwright's loader removes its own switches from argv.
const given = mainArgument(process.argv);
if (!given) {
  console.error('electron stand-in: no app given. Usage: electron [-r module] <main.js | app folder>');
  app.exit(2);
} else {
  const path = resolve(given);
  const isFolder = existsSync(path) && statSync(path).isDirectory();
  const pkg = nearestPackage(isFolder ? path : dirname(path));
  const main = isFolder ? join(path, pkg?.json.main ?? 'index.js') : path;
  if (pkg) {
    app.setAppPath(pkg.dir);
    if (pkg.json.productName || pkg.json.name) app.setName(pkg.json.productName || pkg.json.name);
    if (pkg.json.version) app.setVersion(pkg.json.version);
  }
  await import(pathToFileURL(main).href);
}
