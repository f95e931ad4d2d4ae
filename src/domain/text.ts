/**
 * C0/C1 controls, line/paragraph separators and bidi overrides: they break labels, logs and
 * terminals, or disguise text ("trojan source"). The one definition for every check of free text
 * (order input, the CLI's flags) and for cleaning text before a terminal shows it.
 */
const UNSAFE_CHARS = '\\p{Cc}\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069';

export function hasUnsafeChars(text: string): boolean {
  return new RegExp(`[${UNSAFE_CHARS}]`, 'u').test(text);
}

/** Each unsafe character replaced by `with` (a terminal must never be told to move its cursor). */
export function replaceUnsafeChars(text: string, replacement = '?'): string {
  return text.replace(new RegExp(`[${UNSAFE_CHARS}]`, 'gu'), replacement);
}
