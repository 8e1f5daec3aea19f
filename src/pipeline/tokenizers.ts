// The tokenizer functions themselves; `tokenize` (tokenize.ts) is the pipeline operator around them.

/** A tokenizer: one string in, its tokens out. */
export type Tokenizer = (text: string) => string[];

/** The built-in tokenizers. */
export type TokenizerName = 'basic_english' | 'whitespace';

// Python's str.isspace() set (what torchtext's `\s+` and `str.split()` split on); JavaScript's
// `\s` differs: it lacks U+001C–U+001F and U+0085 and adds U+FEFF.
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const QUOTES = /"/g;
const BREAKS = /<br \/>/g;
// After lower-casing, dropping `"` and blanking `<br />`, torchtext's remaining rules put
// spaces around ' . , ( ) ! ? and turn ; : into spaces, then split on whitespace: so a token
// is either one of those punctuation marks or a maximal run of anything else.
const BASIC_ENGLISH_TOKEN = new RegExp(`[.,()!?']|[^${PY_SPACE}.,()!?';:]+`, 'g');
const WHITESPACE_TOKEN = new RegExp(`[^${PY_SPACE}]+`, 'g');

/**
 * torchtext 0.14's `basic_english`, exactly: lower-case; `'` → ` '  `; drop `"`; `.` → ` . `;
 * `<br />` → space; `, ( ) ! ?` get spaces around them; `; :` → space; split on whitespace.
 *
 * Done in three passes instead of twelve. Dropping `"` before the other rules is safe because
 * none of them creates or removes a `"`, and it keeps torchtext's one interaction between
 * rules: removing a quote can join `<br "/>` into a `<br />` that is then blanked.
 */
export function basicEnglish(text: string): string[] {
  let s = text.toLowerCase();
  if (s.indexOf('"') >= 0) s = s.replace(QUOTES, '');
  if (s.indexOf('<br />') >= 0) s = s.replace(BREAKS, ' ');
  return s.match(BASIC_ENGLISH_TOKEN) ?? [];
}

/** Splits on whitespace (Python's `str.split()` with no argument). */
export function whitespaceTokens(text: string): string[] {
  return text.match(WHITESPACE_TOKEN) ?? [];
}
