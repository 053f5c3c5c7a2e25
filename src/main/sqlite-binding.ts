/**
 * Which better-sqlite3 addon the desktop shell loads. The package's own build is the
 * Node one (tests, web mode); the Electron one is kept apart, so neither runtime ever
 * rebuilds the other's:
 *  - from a source folder (`npm start`): the per-version cache the set-up fills,
 *    node_modules/.cache/slicedeck/native/… (scripts/lib/electron-setup.mjs, the one
 *    place that names it);
 *  - in the installed app: resources/native/better_sqlite3.node, which `npm run dist`
 *    ships outside the asar (an addon must be a real file to be loaded); the builder
 *    configuration (scripts/lib/builder-config.mjs) names that path, once.
 * No 'electron' import: tested under Node.
 */
import { join } from 'node:path';
import { PACKAGED_SQLITE_BINDING } from '../../scripts/lib/builder-config.mjs';
import { electronSqliteBindingPath } from '../../scripts/lib/electron-setup.mjs';

export interface SqliteBindingContext {
  isPackaged: boolean;
  /** process.resourcesPath */
  resourcesPath: string;
  /** The source folder (holding node_modules) when not packaged. */
  appRoot: string;
  electronVersion: string;
  /** better-sqlite3's version, read from node_modules when not packaged. */
  sqliteVersion: () => string;
  platform: string;
  arch: string;
}

export function sqliteBindingFor(context: SqliteBindingContext): string {
  if (context.isPackaged) return join(context.resourcesPath, ...PACKAGED_SQLITE_BINDING.split('/'));
  return electronSqliteBindingPath({
    root: context.appRoot,
    electronVersion: context.electronVersion,
    sqliteVersion: context.sqliteVersion(),
    platform: context.platform,
    arch: context.arch,
  });
}

/** Words for a missing addon: how it is made, and the way round it. */
export function missingSqliteBindingWords(path: string, isPackaged: boolean): string {
  return isPackaged
    ? `This install of slicedeck is incomplete: ${path} is missing. Install it again, or run slicedeck from its source folder with "npm start".`
    : `better-sqlite3 has no Electron build at ${path}. Start slicedeck with "npm start", whose set-up downloads or builds it (once per Electron version), or use "npm run serve".`;
}
