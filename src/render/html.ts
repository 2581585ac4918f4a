// Small helpers shared by the renderers.

/** Text as HTML. A backtick becomes &#96;: it shows as itself, and no markup is read into it. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' })[c]!);
}

/**
 * Prose (a title, a note, a hint) as HTML: what text/plain marks as code with backticks,
 * `memwatch diff A B`, becomes <code>memwatch diff A B</code>; the rest is escaped.
 */
export function proseHtml(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(/`([^`\n]+)`/g)) {
    out += escapeHtml(text.slice(last, m.index)) + `<code>${escapeHtml(m[1])}</code>`;
    last = m.index! + m[0].length;
  }
  return out + escapeHtml(text.slice(last));
}

/** Shortens text for a table cell in text/plain; HTML and data keep it whole. */
export function clip(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  let out = '';
  let width = 0;
  for (const ch of text) {
    const w = charWidth(ch);
    if (width + w > max - 1) break;
    out += ch;
    width += w;
  }
  return out + '…';
}

export function hex(n: number): string {
  return '0x' + n.toString(16);
}

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
const WIDE = /^\p{Emoji_Presentation}$/u;

/** Columns a character takes in a terminal: 0 for combining marks, 2 for East Asian wide and emoji. */
export function charWidth(ch: string): number {
  const c = ch.codePointAt(0)!;
  if (c < 0x300) return 1;
  if (ZERO_WIDTH.test(ch)) return 0;
  if (
    (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) || (c >= 0x3041 && c <= 0x33ff) || (c >= 0x3400 && c <= 0x4dbf)
    || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff)
    || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x20000 && c <= 0x3fffd)
    || WIDE.test(ch)
  ) return 2;
  return 1;
}

/** Columns TEXT takes in a terminal (by code point: a surrogate pair is one character). */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += charWidth(ch);
  return w;
}

/** TEXT padded with spaces to WIDTH columns, on the right (left-aligned) or on the left. */
export function pad(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'left' ? text + fill : fill + text;
}

/** One line of a text table: newlines and tabs as spaces, other control characters as escapes. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/\t/g, ' ').replace(/[\p{Cc}]/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
