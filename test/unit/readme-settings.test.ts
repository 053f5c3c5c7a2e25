/**
 * The README's settings table (and the slice README's) is the declaration printed
 * (`npm run docs:settings`): an operator looks there, not in the source. Four settings were
 * missing from a hand-kept table once (issue 20); now a row that is missing, extra, or says
 * another default or other bounds than the declaration fails here, with the setting named.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settingsTable, type IntSetting } from '../../src/shared/settings';
import { SETTINGS_DOCS, tableIn, withTable } from '../../scripts/settings-docs';
import { HOST_SETTINGS, HOST_SETTING_LIST, MIN_TOKEN_LENGTH } from '../../src/shared/host-settings';
import { loadConfig } from '../../src/main/core/config';
import { SLICE_SETTINGS, SLICE_SETTING_LIST } from '../../src/slice/settings';
import { loadSliceConfig } from '../../src/slice/config';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** variable → the rest of its row (default, accepts, what it does), from a printed table. */
function rows(table: string): Map<string, string> {
  const byName = new Map<string, string>();
  for (const line of table.split('\n')) {
    const match = /^\| `([A-Z0-9_]+)` \| (.*) \|$/.exec(line);
    if (match) byName.set(match[1]!, match[2]!);
  }
  return byName;
}

describe.each(SETTINGS_DOCS.map((doc) => [doc.file, doc] as const))('the settings table of %s', (_file, doc) => {
  const documented = tableIn(read(doc.file), doc);
  const declared = settingsTable(doc.settings);

  it('has its markers', () => {
    expect(documented, `${doc.file} lacks its <!-- ${doc.marker}:begin/end --> markers`).not.toBeNull();
  });

  it('has a row for every declared setting and none other, each with the declared default, bounds and words', () => {
    const inDoc = rows(documented ?? '');
    const inDeclaration = rows(declared);
    expect([...inDeclaration.keys()].filter((name) => !inDoc.has(name)), `declared but not in ${doc.file}; run npm run docs:settings`).toEqual([]);
    expect([...inDoc.keys()].filter((name) => !inDeclaration.has(name)), `in ${doc.file} but not declared in ${doc.declaredIn}`).toEqual([]);
    for (const [name, row] of inDeclaration) expect(inDoc.get(name), `${name}'s row in ${doc.file} differs from ${doc.declaredIn}; run npm run docs:settings`).toBe(row);
  });

  it('is exactly what npm run docs:settings prints', () => {
    expect(documented).toBe(declared);
  });
});

describe('the printed table', () => {
  it('shows a whole-number setting as its default, its bounds and its sentence', () => {
    expect(rows(settingsTable([HOST_SETTINGS.qrCodes])).get('SLICEDECK_QR_CODES')).toBe('`3` | 1–20 | codes shown before an attempt expires');
  });

  it('is printed between the markers whatever was there before, and refuses a file without them', () => {
    const doc = SETTINGS_DOCS[0]!;
    const stale = `intro\n\n<!-- ${doc.marker}:begin -->\n| old | table |\n<!-- ${doc.marker}:end -->\n\nafter\n`;
    const printed = withTable(stale, doc);
    expect(tableIn(printed, doc)).toBe(settingsTable(doc.settings));
    expect(printed.startsWith('intro\n\n') && printed.endsWith('\n\nafter\n')).toBe(true);
    expect(() => withTable('no markers here', doc)).toThrow(/no <!-- settings:begin/);
  });
});

describe('the declaration is what the readers read', () => {
  // Every whole-number setting: its default is what loadConfig gives unset, and one past its
  // bound is refused with words naming it and the declared bounds.
  const ints = HOST_SETTING_LIST.filter((setting): setting is IntSetting => setting.kind === 'int' && !setting.readBy);
  it.each(ints.map((setting) => [setting.env, setting] as const))('loadConfig reads %s within its declared bounds', (env, setting) => {
    expect(() => loadConfig({ HOME: '/home/op', [env]: String(setting.max + 1) })).toThrow(`${env}="${setting.max + 1}" is not valid: use a whole number from ${setting.min} to ${setting.max} (unset: ${setting.default}). Fix or unset ${env} and start slicedeck again.`);
    if (setting.min > 0) expect(() => loadConfig({ HOME: '/home/op', [env]: String(setting.min - 1) })).toThrow(env);
    expect(() => loadConfig({ HOME: '/home/op', [env]: String(setting.default) })).not.toThrow();
  });

  // Likewise every whole-number setting of the slice; a refusal names what the host sets it from.
  const sliceInts = SLICE_SETTING_LIST.filter((setting): setting is IntSetting => setting.kind === 'int');
  const token = { SLICE_TOKEN: 'x'.repeat(MIN_TOKEN_LENGTH) };
  it.each(sliceInts.map((setting) => [setting.env, setting] as const))('loadSliceConfig reads %s within its declared bounds', (env, setting) => {
    const fix = setting.from ? `The host sets it from ${setting.from} when it starts a slice` : `Fix or unset ${env} and start the slice again.`;
    expect(() => loadSliceConfig({ ...token, [env]: String(setting.max + 1) })).toThrow(`${env}="${setting.max + 1}" is not valid: use a whole number from ${setting.min} to ${setting.max} (unset: ${setting.default}). ${fix}`);
    expect(() => loadSliceConfig({ ...token, [env]: String(setting.default) })).not.toThrow();
  });

  it('the slice takes the default and bounds of what the host passes it', () => {
    expect(SLICE_SETTINGS.qrCodes).toMatchObject({ default: HOST_SETTINGS.qrCodes.default, min: HOST_SETTINGS.qrCodes.min, max: HOST_SETTINGS.qrCodes.max, from: 'SLICEDECK_QR_CODES' });
    expect(SLICE_SETTINGS.simContactIntervalMs.default).toBe(HOST_SETTINGS.simContactIntervalMs.default);
  });
});
