/**
 * JSON Schema's minLength/maxLength count characters, not UTF-16 units: a surrogate pair is one.
 * The validators compiled at build time (scripts/compile-validators.mjs) call this instead of
 * requiring ajv's runtime helper, so the bundle holds it and a start loads nothing from ajv.
 */
export function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}
