// Jupyter (protocol >= 5.2) counts cursor positions in Unicode code points; JavaScript
// strings, and so the Interpreter interface, count UTF-16 code units. They differ for
// every character outside the Basic Multilingual Plane (emoji, some CJK).

/** UTF-16 offset of the position `codePoints` code points into text (clamped to the text). */
export function codePointsToUtf16(text: string, codePoints: number): number {
  let utf16 = 0;
  for (let seen = 0; seen < codePoints && utf16 < text.length; seen++) {
    utf16 += text.codePointAt(utf16)! > 0xffff ? 2 : 1;
  }
  return utf16;
}

/** Code point offset of UTF-16 offset `utf16` in text (clamped to the text). */
export function utf16ToCodePoints(text: string, utf16: number): number {
  let codePoints = 0;
  for (let at = 0; at < utf16 && at < text.length; codePoints++) {
    at += text.codePointAt(at)! > 0xffff ? 2 : 1;
  }
  return codePoints;
}

/** Length of text in code points. */
export function codePointLength(text: string): number {
  return utf16ToCodePoints(text, text.length);
}
