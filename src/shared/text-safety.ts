/**
 * Text that cannot lie (issue 19, findings 8 and 9). One module for both sides of
 * the host: what a slice says (errors, reasons, notes) is capped and cleaned before
 * it is stored or shown, and always shown as the slice's; what the operator or a
 * program sends (names, message texts) is refused when it is not well-formed or
 * carries characters that make a text read other than it is.
 *
 * No zod and no Node here: the contract's zod schemas, the slice protocol's zod/mini
 * schemas and the host code all call these functions.
 */

/** Most a slice's words may take in bytes of UTF-8 once cleaned: enough for any real error. */
export const SLICE_WORDS_MAX_BYTES = 4096;

/**
 * Characters that reorder or hide text: the bidi embeddings, overrides and isolates
 * (U+202A–202E, U+2066–2069) and the marks (U+200E/F, U+061C). `\u202eevil` shows as "live".
 */
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;
/** Bidi characters that act on a span (not the marks, which Arabic and Hebrew text uses on its own). */
const BIDI_SPAN = /[\u202a-\u202e\u2066-\u2069]/;
/** C0 controls but tab and newline, DEL, C1 controls, and the line/paragraph separators. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;
/** A C0 control other than tab, newline and carriage return (which a message may hold). */
// eslint-disable-next-line no-control-regex
const C0_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const C1 = /[\u0080-\u009f]/;
const SEPARATOR = /[\u2028\u2029]/;
/** A high surrogate without its low half, or a low one without its high half. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const UNSAFE_GLOBAL = new RegExp(`${BIDI.source}|${CONTROL.source}`, 'g');
const LONE_SURROGATE_GLOBAL = new RegExp(LONE_SURROGATE.source, 'g');

/** True when every surrogate has its other half (what UTF-8 can store). */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * What is wrong with a name or text the operator sends, in words, or null when it is
 * fine. `what` names the field ("The account name"). Names refuse every bidi character
 * and every control; message texts keep tab, newline, carriage return and the bidi marks
 * (right-to-left languages use them) and refuse the rest.
 */
export function operatorTextProblem(text: string, what: string, kind: 'name' | 'text'): string | null {
  if (!isWellFormedText(text)) return `${what} is not well-formed text (it holds half of a character, a lone UTF-16 surrogate). Type or paste it again.`;
  if (kind === 'name' ? BIDI.test(text) : BIDI_SPAN.test(text)) {
    return `${what} cannot contain right-to-left override or isolate characters (U+202A–202E, U+2066–2069${kind === 'name' ? ', U+200E/F, U+061C' : ''}): they make text show other than it is.`;
  }
  if (C1.test(text) || SEPARATOR.test(text) || (kind === 'name' ? CONTROL.test(text) || /[\t\n]/.test(text) : C0_IN_TEXT.test(text))) {
    return `${what} cannot contain control characters (C0/C1 controls, U+2028/U+2029)${kind === 'text' ? '; tabs and new lines are fine' : ''}.`;
  }
  return null;
}

/**
 * A slice's words made safe to store and show: lone surrogates become U+FFFD, control
 * and bidi characters are removed (tab and newline kept), and the result is cut to
 * `maxBytes` of UTF-8 (on a character boundary, with "…" saying it was cut).
 */
export function cleanSliceWords(text: string, maxBytes = SLICE_WORDS_MAX_BYTES): string {
  // Cut first (by characters, generously) so a 1 MB text costs one short pass below.
  const cut = text.length > maxBytes * 2;
  const clean = (cut ? text.slice(0, maxBytes * 2) : text).replace(LONE_SURROGATE_GLOBAL, '\ufffd').replace(UNSAFE_GLOBAL, '');
  return capUtf8(clean, maxBytes, cut);
}

export const SLICE_SAID = 'The slice said: ';

/**
 * The slice's words, cleaned and attributed: the panel never shows them as its own
 * (a slice that writes "paste your token at…" is seen saying it).
 */
export function sliceSaid(text: string, maxBytes = SLICE_WORDS_MAX_BYTES): string {
  const words = cleanSliceWords(text, maxBytes).trim();
  return `${SLICE_SAID}${words || '(nothing)'}`;
}

const encoder = new TextEncoder();

function capUtf8(text: string, maxBytes: number, alreadyCut: boolean): string {
  if (!alreadyCut && encoder.encode(text).length <= maxBytes) return text;
  const ellipsis = '…';
  const budget = maxBytes - encoder.encode(ellipsis).length;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = encoder.encode(char).length;
    if (bytes + size > budget) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end) + ellipsis;
}

/** Hebrew, Arabic, Syriac, Thaana, N'Ko … and their presentation forms: strong right-to-left letters. */
const RTL_LETTER = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]|\ud802[\udc00-\udfff]|\ud83a[\udc00-\udfff]/;

/**
 * A name placed inside the panel's own words where no markup can isolate it (the
 * tray's menu lines): wrapped in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE when it
 * could reorder them (a right-to-left letter or a bidi control), unchanged otherwise.
 */
export function isolateInPlainText(name: string): string {
  return RTL_LETTER.test(name) || BIDI.test(name) ? `\u2068${name.replace(UNSAFE_GLOBAL, '')}\u2069` : name;
}
