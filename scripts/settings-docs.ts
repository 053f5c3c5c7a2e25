/**
 * Where the settings tables are printed: the README's (every SLICEDECK_* setting) and the
 * slice README's (the slice's environment), each between two markers, from the declarations
 * (@shared/host-settings, src/slice/settings.ts). `npm run docs:settings` writes them;
 * test/unit/readme-settings.test.ts fails when a file's table is not what this prints.
 */
import { HOST_SETTING_LIST } from '../src/shared/host-settings';
import { settingsTable, type Setting } from '../src/shared/settings';
import { SLICE_SETTING_LIST } from '../src/slice/settings';

export interface SettingsDoc {
  /** The file, from the repository's root. */
  file: string;
  /** The marker's name: `<!-- <name>:begin … -->` and `<!-- <name>:end -->`. */
  marker: string;
  /** Where the declaration is, for the marker's note. */
  declaredIn: string;
  settings: readonly Setting[];
}

export const SETTINGS_DOCS: readonly SettingsDoc[] = [
  { file: 'README.md', marker: 'settings', declaredIn: 'src/shared/host-settings.ts', settings: HOST_SETTING_LIST },
  { file: 'src/slice/README.md', marker: 'slice-settings', declaredIn: 'src/slice/settings.ts', settings: SLICE_SETTING_LIST },
];

const begin = (doc: SettingsDoc) => `<!-- ${doc.marker}:begin — printed by \`npm run docs:settings\` from ${doc.declaredIn}; edit there -->`;
const end = (doc: SettingsDoc) => `<!-- ${doc.marker}:end -->`;

/** The table between the doc's markers, or null when the file lacks them. */
export function tableIn(text: string, doc: SettingsDoc): string | null {
  const from = text.indexOf(`<!-- ${doc.marker}:begin`);
  const to = text.indexOf(end(doc));
  if (from < 0 || to < from) return null;
  return text.slice(text.indexOf('\n', from) + 1, to).trim();
}

/** The text with the doc's table printed between its markers. */
export function withTable(text: string, doc: SettingsDoc): string {
  const from = text.indexOf(`<!-- ${doc.marker}:begin`);
  const to = text.indexOf(end(doc));
  if (from < 0 || to < from) throw new Error(`${doc.file} has no ${begin(doc)} … ${end(doc)} markers: put them where the table belongs.`);
  return `${text.slice(0, from)}${begin(doc)}\n${settingsTable(doc.settings)}\n${text.slice(to)}`;
}
