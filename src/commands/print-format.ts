// `print %x EXPR`, `display -a %x EXPR`: Delve's terminal passes each basic value of the result
// (booleans, integers as int64/uint64, floats as float64, complex128, strings) through Go's
// fmt with the format given, and writes structs, slices, maps and pointers around them as
// usual. This is that formatting, after Go's fmt rules (one directive: flags `+-# 0`, width,
// precision, verb), checked against Go's own fmt.Sprintf in the tests.
import { Kind, type Variable } from '../rpc/api';

export interface GoFormat {
  /** As typed: `%08x`. */
  text: string;
  before: string;
  after: string;
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  /** `%#v` and `%+v`: Go moves # and + of a v verb to these. */
  sharpV: boolean;
  plusV: boolean;
  width?: number;
  prec?: number;
  verb: string;
}

type GoValue =
  | { t: 'int64'; v: bigint }
  | { t: 'uint64'; v: bigint }
  | { t: 'float64'; v: number }
  | { t: 'complex128'; re: number; im: number }
  | { t: 'bool'; v: boolean }
  | { t: 'string'; v: string };

/** The verbs Go's fmt knows for the values Delve formats (others print `%!z(int64=5)`, as Go does). */
export const GO_VERBS = 'v d b o O x X c q U e E f F g G s t';

/**
 * TEXT as a format with exactly one directive, or a reason it is not one. Literal text around
 * it is kept (`%%` is a percent sign), as Go's fmt keeps it.
 */
export function parseGoFormat(text: string): GoFormat | string {
  let before = '';
  let i = 0;
  for (; i < text.length; i++) {
    if (text[i] !== '%') before += text[i];
    else if (text[i + 1] === '%') before += '%', i++;
    else break;
  }
  if (i >= text.length) return 'no %verb in it';
  const f: GoFormat = { text, before, after: '', plus: false, minus: false, sharp: false, space: false, zero: false, sharpV: false, plusV: false, verb: '' };
  i++;
  for (; i < text.length && '+-# 0'.includes(text[i]); i++) {
    const c = text[i];
    if (c === '+') f.plus = true;
    else if (c === '-') (f.minus = true), (f.zero = false);
    else if (c === '#') f.sharp = true;
    else if (c === ' ') f.space = true;
    else f.zero = !f.minus;
  }
  const digits = (): number | undefined => {
    const m = /^\d+/.exec(text.slice(i));
    if (!m) return undefined;
    i += m[0].length;
    return Number(m[0]);
  };
  f.width = digits();
  if (text[i] === '.') {
    i++;
    f.prec = digits() ?? 0;
  }
  if (text[i] === '*' || text[i] === '[') return 'argument widths (`*`) and indexes (`[n]`) have no argument to take';
  if ((f.width ?? 0) > 1000 || (f.prec ?? 0) > 1000) return 'a width or precision above 1000';
  const verb = String.fromCodePoint(text.codePointAt(i) ?? 0);
  if (i >= text.length) return 'it ends before its verb';
  f.verb = verb;
  if (verb === 'v') (f.sharpV = f.sharp), (f.sharp = false), (f.plusV = f.plus), (f.plus = false);
  i += verb.length;
  for (; i < text.length; i++) {
    if (text[i] !== '%') f.after += text[i];
    else if (text[i + 1] === '%') f.after += '%', i++;
    else return 'one %verb only: the format applies to each value in turn';
  }
  return f;
}

/** The integer in Delve's value text: `5`, or the `5` of a constant's `StateRunning (5)`. */
function intText(value: string): string {
  const m = /\((-?\d+)\)$/.exec(value);
  return m ? m[1] : value;
}

function goValueOf(v: Variable): GoValue | undefined {
  if (v.unreadable) return undefined;
  switch (v.kind) {
    case Kind.Bool:
      return v.value === '' ? undefined : { t: 'bool', v: v.value === 'true' };
    case Kind.Int: case Kind.Int8: case Kind.Int16: case Kind.Int32: case Kind.Int64:
      return /^-?\d+$/.test(intText(v.value)) ? { t: 'int64', v: BigInt(intText(v.value)) } : undefined;
    case Kind.Uint: case Kind.Uint8: case Kind.Uint16: case Kind.Uint32: case Kind.Uint64: case Kind.Uintptr:
      return /^\d+$/.test(intText(v.value)) ? { t: 'uint64', v: BigInt(intText(v.value)) } : undefined;
    case Kind.Float32: case Kind.Float64:
      return v.value === '' ? undefined : { t: 'float64', v: parseGoFloat(v.value) };
    case Kind.Complex64: case Kind.Complex128: {
      const [re, im] = v.children ?? [];
      if (re && im) return { t: 'complex128', re: parseGoFloat(re.value), im: parseGoFloat(im.value) };
      const m = /^\((\S+) \+ (\S+)i\)$/.exec(v.value);
      return m ? { t: 'complex128', re: parseGoFloat(m[1]), im: parseGoFloat(m[2]) } : undefined;
    }
    case Kind.String:
      return { t: 'string', v: v.value };
    default:
      return undefined;
  }
}

function parseGoFloat(s: string): number {
  if (/^\+?Inf$/.test(s)) return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  return Number(s);
}

/**
 * V with every basic value inside it written with F (as Delve's StringWithOptions does); the
 * result renders with render/value's formatValue like any other value.
 */
export function formatVariable(v: Variable, f: GoFormat): Variable {
  const g = goValueOf(v);
  if (g) {
    // A kind whose value render/value prints as it stands.
    return { ...v, kind: Kind.Int, value: goSprintf(f, g), children: null, len: 0 };
  }
  if (!v.children?.length) return v;
  return { ...v, children: v.children.map((c) => formatVariable(c, f)) };
}

/** One value written with F, as Go's fmt.Sprintf(F.text, value). */
export function goSprintf(f: GoFormat, g: GoValue): string {
  return f.before + formatOne(f, g) + f.after;
}

function formatOne(f: GoFormat, g: GoValue): string {
  switch (g.t) {
    case 'bool':
      return f.verb === 't' || f.verb === 'v' ? pad(f, String(g.v)) : badVerb(f, g);
    case 'int64':
    case 'uint64':
      return formatInteger(f, g);
    case 'float64':
      return 'vbgGxXfFeE'.includes(f.verb) ? formatFloat(f, g.v, f.verb === 'v' ? 'g' : f.verb, 'bgGxXv'.includes(f.verb) ? -1 : 6) : badVerb(f, g);
    case 'complex128':
      return 'vbgGxXfFeE'.includes(f.verb) ? formatComplex(f, g.re, g.im) : badVerb(f, g);
    case 'string':
      return formatString(f, g.v, g);
  }
}

function badVerb(f: GoFormat, g: GoValue): string {
  // Go writes the value with %v and the same flags (not moved to sharpV/plusV).
  return `%!${f.verb}(${g.t}=${formatOne({ ...f, verb: 'v' }, g)})`;
}

function runeCount(s: string): number {
  return [...s].length;
}

/** Go's fmt.pad: spaces (or zeros with the 0 flag) on the left, spaces on the right with -. */
function pad(f: GoFormat, s: string, zero = f.zero): string {
  const n = (f.width ?? 0) - runeCount(s);
  if (n <= 0) return s;
  if (f.minus) return s + ' '.repeat(n);
  return (zero ? '0' : ' ').repeat(n) + s;
}

function formatInteger(f: GoFormat, g: { t: 'int64' | 'uint64'; v: bigint }): string {
  const signed = g.t === 'int64';
  const u = g.v < 0n ? -g.v : g.v;
  switch (f.verb) {
    case 'v':
      return f.sharpV && !signed ? pad(f, '0x' + u.toString(16), false) : integer(f, g.v, 10, false);
    case 'd': return integer(f, g.v, 10, false);
    case 'b': return integer(f, g.v, 2, false);
    case 'o': case 'O': return integer(f, g.v, 8, false);
    case 'x': return integer(f, g.v, 16, false);
    case 'X': return integer(f, g.v, 16, true);
    case 'c': return pad(f, runeText(g.v));
    case 'q': return pad(f, quoteRune(g.v, f.plus));
    case 'U': {
      const code = g.v < 0n ? g.v + (1n << 64n) : g.v; // Go takes it as a uint64
      let s = 'U+' + code.toString(16).toUpperCase().padStart(f.prec !== undefined && f.prec > 4 ? f.prec : 4, '0');
      if (f.sharp && code <= 0x10ffffn && isPrint(Number(code))) s += ` '${String.fromCodePoint(Number(code))}'`;
      return pad(f, s, false);
    }
    default:
      return badVerb(f, g);
  }
}

/** Go's fmtInteger: precision as minimum digits, the 0 flag as precision up to the width, prefixes, sign. */
function integer(f: GoFormat, v: bigint, base: number, upper: boolean): string {
  const negative = v < 0n;
  const u = negative ? -v : v;
  let prec = 0;
  if (f.prec !== undefined) {
    prec = f.prec;
    if (prec === 0 && u === 0n) return pad(f, '', false);
  } else if (f.zero && f.width !== undefined) {
    prec = f.width;
    if (negative || f.plus || f.space) prec--;
  }
  let digits = u.toString(base);
  if (upper) digits = digits.toUpperCase();
  digits = digits.padStart(prec, '0');
  if (f.sharp) {
    if (base === 2) digits = '0b' + digits;
    else if (base === 8 && f.verb === 'o' && digits[0] !== '0') digits = '0' + digits;
    else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
  }
  if (f.verb === 'O') digits = '0o' + digits;
  const sign = negative ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  return pad(f, sign + digits, false);
}

function runeOf(v: bigint): number {
  return v < 0n || v > 0x10ffffn || (v >= 0xd800n && v <= 0xdfffn) ? 0xfffd : Number(v);
}

function runeText(v: bigint): string {
  return String.fromCodePoint(runeOf(v));
}

/** Roughly Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isPrint(cp: number): boolean {
  if (cp === 0x20) return true;
  return /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(String.fromCodePoint(cp));
}

function escapeRune(cp: number, quote: string, ascii: boolean): string {
  const c = String.fromCodePoint(cp);
  if (c === quote || c === '\\') return '\\' + c;
  if (ascii ? cp < 0x80 && isPrint(cp) : isPrint(cp)) return c;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v' };
  if (named[cp]) return named[cp];
  if (cp < 0x20 || cp === 0x7f) return '\\x' + cp.toString(16).padStart(2, '0');
  if (cp < 0x10000) return '\\u' + cp.toString(16).padStart(4, '0');
  return '\\U' + cp.toString(16).padStart(8, '0');
}

function quoteRune(v: bigint, ascii: boolean): string {
  return "'" + escapeRune(runeOf(v), "'", ascii) + "'";
}

/** strconv.Quote (QuoteToASCII with ascii). Invalid UTF-8 cannot reach here: Delve sends JSON strings. */
function quoteString(s: string, ascii: boolean): string {
  let out = '"';
  for (const c of s) out += escapeRune(c.codePointAt(0)!, '"', ascii);
  return out + '"';
}

function formatString(f: GoFormat, s: string, g: GoValue): string {
  const truncated = f.prec !== undefined ? [...s].slice(0, f.prec).join('') : s;
  switch (f.verb) {
    case 'v':
      if (f.sharpV) return pad(f, quoteString(truncated, false));
      return pad(f, truncated);
    case 's':
      return pad(f, truncated);
    case 'q':
      if (f.sharp && !/[`\u0000-\u0008\u000a-\u001f\u007f\ufeff]/.test(truncated)) return pad(f, '`' + truncated + '`');
      return pad(f, quoteString(truncated, f.plus));
    case 'x':
    case 'X': {
      let bytes = [...Buffer.from(s, 'utf8')];
      if (f.prec !== undefined) bytes = bytes.slice(0, f.prec);
      const hexOf = (b: number) => (f.verb === 'X' ? b.toString(16).toUpperCase() : b.toString(16)).padStart(2, '0');
      const prefix = f.verb === 'X' ? '0X' : '0x';
      let out: string;
      if (f.space) out = bytes.map((b) => (f.sharp ? prefix : '') + hexOf(b)).join(' ');
      else out = (f.sharp && bytes.length ? prefix : '') + bytes.map(hexOf).join('');
      return pad(f, out);
    }
    default:
      return badVerb(f, g);
  }
}

/** The exact decimal value of a finite |x| >= 0: digits (no leading zeros; '0' for 0) and where the point goes. */
function exactDecimal(a: number): { digits: string; dp: number } {
  if (a === 0) return { digits: '0', dp: 1 };
  const view = new DataView(new Float64Array([a]).buffer);
  const hi = view.getUint32(4, true);
  const lo = view.getUint32(0, true);
  let e = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (e === 0) e = 1;
  else mant |= 1n << 52n;
  const exp = e - 1075;
  if (exp >= 0) {
    const digits = (mant << BigInt(exp)).toString();
    return { digits, dp: digits.length };
  }
  // mant / 2^k = mant * 5^k / 10^k
  const k = -exp;
  const digits = (mant * 5n ** BigInt(k)).toString();
  const trimmed = digits.replace(/^0+/, '');
  return { digits: trimmed, dp: digits.length - k - (digits.length - trimmed.length) };
}

/** DIGITS (point after DP) rounded half to even, as Go's strconv does on the exact value, to N significant digits (N may be <= 0). */
function roundDigits(d: { digits: string; dp: number }, n: number): { digits: string; dp: number } {
  const { digits, dp } = d;
  if (n >= digits.length) return d;
  if (n < 0) return { digits: '0', dp: 1 };
  const kept = digits.slice(0, n);
  const rest = digits.slice(n);
  const up = rest[0] > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || (n > 0 && Number(kept[n - 1]) % 2 === 1)));
  if (!up) return kept.replace(/0+$/, '') ? { digits: kept, dp } : { digits: '0', dp: 1 };
  const bumped = (BigInt(kept || '0') + 1n).toString();
  if (n === 0) return { digits: '1', dp: dp + 1 };
  return bumped.length > kept.length ? { digits: bumped.slice(0, kept.length), dp: dp + 1 } : { digits: bumped, dp };
}

/** Decimal digits and exponent of |x|: shortest (prec < 0) or rounded to PREC significant digits. */
function decimalDigits(x: number, prec: number): { digits: string; dp: number } {
  if (prec < 0) {
    const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(Math.abs(x).toExponential())!;
    const digits = (m[1] + (m[2] ?? '')).replace(/0+$/, '') || '0';
    return { digits, dp: Number(m[3]) + 1 };
  }
  const r = roundDigits(exactDecimal(Math.abs(x)), prec);
  return { digits: r.digits.padEnd(prec, '0'), dp: r.dp };
}

function expText(exp: number, letter: string): string {
  const a = Math.abs(exp);
  return letter + (exp < 0 ? '-' : '+') + (a < 10 ? '0' + a : String(a));
}

/** strconv.FormatFloat(|x|, verb, prec, 64), without its sign. */
function floatBody(x: number, verb: string, prec: number): string {
  const a = Math.abs(x);
  switch (verb) {
    case 'e':
    case 'E': {
      if (a === 0) return (prec < 0 ? '0' : prec === 0 ? '0' : '0.' + '0'.repeat(prec)) + expText(0, verb);
      const { digits, dp } = decimalDigits(a, prec < 0 ? -1 : prec + 1);
      const frac = digits.slice(1);
      return digits[0] + (frac ? '.' + frac : '') + expText(dp - 1, verb);
    }
    case 'f':
    case 'F': {
      if (prec < 0) {
        const { digits, dp } = a === 0 ? { digits: '0', dp: 1 } : decimalDigits(a, -1);
        return fixedFromDigits(digits, dp, Math.max(digits.length - dp, 0));
      }
      const exact = exactDecimal(a);
      const r = roundDigits(exact, exact.dp + prec);
      return fixedFromDigits(r.digits, r.dp, prec);
    }
    case 'g':
    case 'G': {
      const letter = verb === 'G' ? 'E' : 'e';
      if (a === 0) return '0';
      const shortest = prec < 0;
      const { digits, dp } = decimalDigits(a, shortest ? -1 : prec === 0 ? 1 : prec);
      const nd = shortest ? digits.length : digits.replace(/0+$/, '').length || 1;
      const d = digits.slice(0, nd);
      let eprec = shortest ? 6 : prec === 0 ? 1 : prec;
      if (!shortest && eprec > nd && nd >= dp) eprec = nd;
      const exp = dp - 1;
      if (exp < -4 || exp >= eprec) return d[0] + (d.length > 1 ? '.' + d.slice(1) : '') + expText(exp, letter);
      return fixedFromDigits(d, dp, Math.max(nd - dp, 0));
    }
    case 'x':
    case 'X':
      return hexFloat(a, prec, verb === 'X');
    case 'b': {
      const bits = new DataView(new Float64Array([a]).buffer);
      const hi = bits.getUint32(4, true);
      const lo = bits.getUint32(0, true);
      let exp = (hi >>> 20) & 0x7ff;
      let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
      if (exp === 0) exp = 1;
      else mant |= 1n << 52n;
      const e = exp - 1075;
      return mant.toString() + 'p' + (e < 0 ? '-' : '+') + Math.abs(e);
    }
    default:
      return String(a);
  }
}

function fixedFromDigits(digits: string, dp: number, frac: number): string {
  let intPart: string;
  let fracPart: string;
  if (dp <= 0) {
    intPart = '0';
    fracPart = '0'.repeat(-dp) + digits;
  } else if (dp >= digits.length) {
    intPart = digits + '0'.repeat(dp - digits.length);
    fracPart = '';
  } else {
    intPart = digits.slice(0, dp);
    fracPart = digits.slice(dp);
  }
  fracPart = fracPart.padEnd(frac, '0').slice(0, frac);
  return frac > 0 ? `${intPart}.${fracPart}` : intPart;
}

/** %x of a float: 0x1.8p+01, the mantissa's hex digits shortest (or rounded to PREC of them). */
function hexFloat(a: number, prec: number, upper: boolean): string {
  let mant: bigint;
  let exp: number;
  if (a === 0) {
    mant = 0n;
    exp = 0;
  } else {
    const view = new DataView(new Float64Array([a]).buffer);
    const hi = view.getUint32(4, true);
    const lo = view.getUint32(0, true);
    let e = (hi >>> 20) & 0x7ff;
    mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    if (e === 0) {
      e = 1;
      while (!(mant & (1n << 52n))) (mant <<= 1n), e--;
    } else {
      mant |= 1n << 52n;
    }
    exp = e - 1023;
  }
  // 1 + 52 bits: the leading 1, then 13 hex digits.
  let frac = (mant & ((1n << 52n) - 1n)).toString(16).padStart(13, '0');
  let lead = mant === 0n ? 0 : 1;
  if (prec >= 0 && prec < 13) {
    const keep = BigInt('0x' + (frac.slice(0, prec) || '0'));
    const rest = frac.slice(prec);
    const half = BigInt('0x8' + '0'.repeat(rest.length - 1));
    const restValue = BigInt('0x' + rest);
    let rounded = keep;
    if (restValue > half || (restValue === half && (keep & 1n) === 1n)) rounded++;
    if (prec > 0 && rounded >= 16n ** BigInt(prec)) (rounded = 0n), (lead = 2);
    if (prec === 0 && rounded > 0n) (lead += 1), (rounded = 0n);
    frac = prec > 0 ? rounded.toString(16).padStart(prec, '0') : '';
    if (lead === 2) (lead = 1), exp++;
  } else if (prec < 0) {
    frac = frac.replace(/0+$/, '');
  } else {
    frac = frac.padEnd(prec, '0');
  }
  const text = `0x${lead}${frac ? '.' + frac : ''}p${exp < 0 ? '-' : '+'}${Math.abs(exp) < 10 ? '0' : ''}${Math.abs(exp)}`;
  return upper ? text.toUpperCase() : text;
}

/** Go's fmt.fmtFloat: the sign (+ and space flags), # keeping the point and zeros, zero padding after the sign, Inf and NaN unpadded by zeros. */
function formatFloat(f: GoFormat, x: number, verb: string, defaultPrec: number, forcePlus = false): string {
  const prec = f.prec ?? defaultPrec;
  const plus = f.plus || forcePlus;
  let sign = x < 0 || Object.is(x, -0) ? '-' : '+';
  if (Number.isNaN(x)) sign = '+';
  if (f.space && sign === '+' && !plus) sign = ' ';
  if (!Number.isFinite(x)) {
    const body = Number.isNaN(x) ? 'NaN' : 'Inf';
    const shown = body === 'NaN' && !f.space && !plus ? body : sign + body;
    return pad(f, shown, false);
  }
  let body = floatBody(x, verb, prec);
  if (f.sharp && verb !== 'b') body = keepPoint(body, verb, prec);
  if (plus || sign !== '+') {
    const num = sign + body;
    if (f.zero && !f.minus && f.width !== undefined && f.width > num.length) return sign + '0'.repeat(f.width - num.length) + body;
    return pad(f, num, false);
  }
  return pad(f, body);
}

/** The # flag on a float: a decimal point always, and trailing zeros up to the precision (6 by default) for g, G, v, x. */
function keepPoint(body: string, verb: string, prec: number): string {
  let digits = 'vgGx'.includes(verb) ? (prec === -1 ? 6 : prec) : 0;
  let num = body;
  let tail = '';
  let point = false;
  let nonzero = false;
  for (let i = 0; i < num.length; i++) {
    const c = num[i];
    if (c === '.') point = true;
    else if (c === 'p' || c === 'P' || ((c === 'e' || c === 'E') && verb !== 'x' && verb !== 'X')) {
      tail = num.slice(i);
      num = num.slice(0, i);
      break;
    } else {
      if (c !== '0') nonzero = true;
      if (nonzero) digits--;
    }
  }
  if (!point) {
    if (num === '0') digits--;
    num += '.';
  }
  return num + '0'.repeat(Math.max(digits, 0)) + tail;
}

function formatComplex(f: GoFormat, re: number, im: number): string {
  const verb = f.verb === 'v' ? 'g' : f.verb;
  const defaultPrec = 'bgGxXv'.includes(f.verb) ? -1 : 6;
  return '(' + formatFloat(f, re, verb, defaultPrec) + formatFloat(f, im, verb, defaultPrec, true) + 'i)';
}
