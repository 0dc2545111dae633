import { RE2JS } from "re2js";

/**
 * Patterns that users type (validation rules today) run in RE2 (re2js, a pure JavaScript port): its matching time is
 * linear in the value's length whatever the pattern, so `(a+)+` cannot stall the event loop for every workspace the
 * way V8's backtracking engine does. RE2 has no look-arounds or back-references; such patterns are refused with a
 * reason rather than run in a backtracking engine.
 */
export const MAX_PATTERN_LENGTH = 500;

export interface UserPattern {
  /** True when the whole value matches. */
  matchesWhole(value: string): boolean;
}

export type CompiledPattern = { ok: true; pattern: UserPattern } | { ok: false; message: string };

export function compileUserPattern(source: string): CompiledPattern {
  if (source.length > MAX_PATTERN_LENGTH) return { ok: false, message: `A pattern is at most ${MAX_PATTERN_LENGTH} characters` };
  let re: RE2JS;
  try {
    // JavaScript escapes such as \u00e9 are rewritten into RE2's syntax first, so patterns written for JS keep working.
    re = RE2JS.compile(RE2JS.translateRegExp(source));
  } catch (e) {
    const why = (e as Error).message.replace(/^error parsing regexp: /, "");
    const hint = /\(\?[=!<]|\\[1-9]/.test(source) ? " (look-arounds and back-references are not supported: they can take exponential time)" : "";
    return { ok: false, message: `Not a valid regular expression: ${why}${hint}` };
  }
  return { ok: true, pattern: { matchesWhole: (value) => re.testExact(value) } };
}
