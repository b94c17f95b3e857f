/**
 * C0 controls except tab, line feed and carriage return, plus DEL and the C1 block. They carry no
 * meaning in a prompt, and some break what comes after: U+0000 ends a C string in the sandbox's
 * renderer (librsvg/ffmpeg drawtext) and is refused by PostgreSQL text columns and several upstreams.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** The text with every control character removed (not replaced: a NUL inside a word is not a space). */
export function stripControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, '');
}
