/**
 * How a setting is declared and read: its variable, its default, what it accepts and one
 * sentence saying what it does. The host's settings (host-settings.ts) and the slice's
 * (src/slice/config.ts) are tables of these; their readers and the README's settings table
 * (scripts/docs-settings.mjs) come from the tables, so a default or a bound is written once.
 *
 * Shared by both processes, so no Node here: the environment is a plain record.
 */

export type Env = Record<string, string | undefined>;

interface SettingBase {
  /** The environment variable. */
  env: string;
  /** What the setting does, for the README's table: one sentence. */
  about: string;
  /** A slice's setting the host passes: the host's variable it comes from. */
  from?: string;
  /** Read by something other than the process's own settings reader (web mode, Docker's client, the test set-up); documented all the same. */
  readBy?: string;
}

/** A whole number within bounds. */
export interface IntSetting extends SettingBase {
  kind: 'int';
  default: number;
  min: number;
  max: number;
  /** Said after the default in the README, e.g. "(16 MiB)". */
  defaultNote?: string;
}

/** A number with up to two decimals within bounds; a null default is worked out where it is read. */
export interface DecimalSetting extends SettingBase {
  kind: 'decimal';
  default: number | null;
  /** The README's words for a default worked out at start. */
  defaultText?: string;
  min: number;
  max: number;
  /** What the number counts, for the words of a refusal ("CPU cores"). */
  unit: string;
}

/** One of a fixed list of words. A null default means unset (the reader's caller says what that does). */
export interface ChoiceSetting<T extends string = string> extends SettingBase {
  kind: 'choice';
  choices: readonly T[];
  default: T | null;
  defaultText?: string;
}

/** A choice that always has a value. */
export type DefaultedChoiceSetting<T extends string = string> = ChoiceSetting<T> & { default: T };

/** Free text checked by its reader (a path, an image name, a JSON array…). */
export interface TextSetting<D extends string | null = string | null> extends SettingBase {
  kind: 'text';
  /** The value when unset, where it is one fixed text; null when it is worked out at start (defaultText says how). */
  default: D;
  /** The README's words for the default, when it is not one fixed text. */
  defaultText?: string;
  /** The README's words for what it accepts. */
  accepts: string;
}

export type Setting = IntSetting | DecimalSetting | ChoiceSetting | TextSetting;

/** Declaring a whole-number setting. */
export function intSetting(env: string, value: number, min: number, max: number, about: string, defaultNote?: string): IntSetting {
  return { kind: 'int', env, default: value, min, max, about, ...(defaultNote ? { defaultNote } : {}) };
}

/** Declaring a text setting: `value` when the default is one fixed text, `shown` when it is worked out at start (or unset). */
export function textSetting<D extends string | null>(env: string, value: D, shown: string | null, accepts: string, about: string): TextSetting<D> {
  return { kind: 'text', env, default: value, ...(shown ? { defaultText: shown } : {}), accepts, about };
}

/** The words of a refusal before the reader's closing advice: they name the variable, the value and what it accepts. */
export function badSettingWords(variable: string, raw: string, allowed: string): string {
  return `${variable}=${JSON.stringify(raw)} is not valid: ${allowed}.`;
}

export function intAllowed(setting: IntSetting): string {
  return `use a whole number from ${setting.min} to ${setting.max} (unset: ${setting.default})`;
}

export function choiceAllowed(setting: ChoiceSetting): string {
  return `use one of ${setting.choices.join(', ')}`;
}

export function decimalAllowed(setting: DecimalSetting): string {
  return `use a number of ${setting.unit} from ${setting.min} to ${setting.max} (for example 1 or 0.5)`;
}

/** The value set for a setting, trimmed; undefined when unset or blank (blank means "use the default"). */
export function rawSetting(env: Env, setting: Pick<SettingBase, 'env'>): string | undefined {
  const raw = env[setting.env];
  return raw === undefined || raw.trim() === '' ? undefined : raw;
}

/**
 * Readers for one environment. `refuse` turns the words of a bad value into the error the
 * process stops with (the host and the slice close with different advice).
 */
export function settingsReader(env: Env, refuse: (words: string, variable: string) => Error) {
  const fail = (setting: Setting, raw: string, allowed: string): never => {
    throw refuse(badSettingWords(setting.env, raw, allowed), setting.env);
  };
  return {
    int(setting: IntSetting): number {
      const raw = rawSetting(env, setting);
      if (raw === undefined) return setting.default;
      const value = Number(raw.trim());
      if (!/^\d+$/.test(raw.trim()) || value < setting.min || value > setting.max) return fail(setting, raw, intAllowed(setting));
      return value;
    },
    decimal(setting: DecimalSetting, fallback: number): number {
      const raw = rawSetting(env, setting);
      if (raw === undefined) return setting.default ?? fallback;
      const value = Number(raw.trim());
      if (!/^\d+(\.\d{1,2})?$/.test(raw.trim()) || value < setting.min || value > setting.max) return fail(setting, raw, decimalAllowed(setting));
      return value;
    },
    choice<T extends string>(setting: DefaultedChoiceSetting<T>): T {
      return this.optionalChoice(setting) ?? setting.default;
    },
    /** A choice whose unset means something of its own: null. */
    optionalChoice<T extends string>(setting: ChoiceSetting<T>): T | null {
      const raw = rawSetting(env, setting);
      if (raw === undefined) return setting.default;
      const value = raw.trim() as T;
      if (!setting.choices.includes(value)) return fail(setting, raw, choiceAllowed(setting));
      return value;
    },
    /** A text setting through its own check: `parse` answers the value, or the words of what it accepts. */
    text<T>(setting: TextSetting, parse: (raw: string) => { ok: true; value: T } | { ok: false; allowed: string }, fallback: T): T {
      const raw = rawSetting(env, setting);
      if (raw === undefined) return fallback;
      const parsed = parse(raw);
      return parsed.ok ? parsed.value : fail(setting, raw, parsed.allowed);
    },
  };
}

const code = (text: string | number) => `\`${text}\``;

function defaultCell(setting: Setting): string {
  switch (setting.kind) {
    case 'int':
      return [code(setting.default), setting.defaultNote].filter(Boolean).join(' ');
    case 'decimal':
      return setting.default === null ? (setting.defaultText ?? 'worked out at start') : code(setting.default);
    case 'choice':
      return setting.default === null ? (setting.defaultText ?? 'unset') : code(setting.default);
    case 'text':
      return setting.defaultText ?? (setting.default === null ? 'unset' : code(setting.default));
  }
}

function acceptsCell(setting: Setting): string {
  switch (setting.kind) {
    case 'int':
    case 'decimal':
      return `${setting.min}–${setting.max}`;
    case 'choice':
      return setting.choices.map(code).join(', ');
    case 'text':
      return setting.accepts;
  }
}

/** A table cell may not hold a line break or an unescaped bar. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/** The README's settings table, one row per setting in declaration order. */
export function settingsTable(settings: readonly Setting[]): string {
  const rows = settings.map((setting) => `| ${code(setting.env)} | ${cell(defaultCell(setting))} | ${cell(acceptsCell(setting))} | ${cell(setting.about)} |`);
  return ['| variable | default | accepts | what it does |', '|---|---|---|---|', ...rows].join('\n');
}
