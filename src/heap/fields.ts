// Reading a field of a runtime struct out of raw bytes: where it is comes from the target's
// own types (session/layout.ts), how wide it is from its Go type name. Atomic wrappers
// (atomic.Uint64, mSpanStateBox from 1.20) are read through their inner value.
import type { FieldLayout } from '../session/layout';

export type Layout = Map<string, FieldLayout>;

const WIDTH: Record<string, number> = {
  bool: 1, uint8: 1, int8: 1, 'runtime.spanClass': 1, 'runtime.mSpanState': 1,
  uint16: 2, int16: 2,
  uint32: 4, int32: 4,
  uint64: 8, int64: 8, uintptr: 8, int: 8, uint: 8, 'runtime.sysMemStat': 8, 'runtime.gclinkptr': 8,
  'runtime.arenaIdx': 8, 'runtime.chunkIdx': 8, 'unsafe.Pointer': 8,
};

export interface Field {
  offset: number;
  width: number;
  float: boolean;
}

/** The field NAME (or the first of several names it had across releases). */
export function field(layout: Layout, ...names: string[]): Field {
  for (const name of names) {
    const f = layout.get(`${name}.value`) ?? layout.get(name);
    if (!f) continue;
    if (f.type.startsWith('*')) return { offset: f.offset, width: 8, float: false };
    if (f.type === 'float64') return { offset: f.offset, width: 8, float: true };
    const width = WIDTH[f.type];
    if (width === undefined) throw new Error(`memwatch: field ${name} has type ${f.type}, which it cannot read`);
    return { offset: f.offset, width, float: false };
  }
  throw new Error(`memwatch: none of the fields ${names.join(', ')} is in this Go release's struct`);
}

/** Same as field(), or undefined when the release has none of the names. */
export function optionalField(layout: Layout, ...names: string[]): Field | undefined {
  try {
    return field(layout, ...names);
  } catch {
    return undefined;
  }
}

/** The unsigned value of F in the struct at BASE within BUF (numbers stay below 2^53 here). */
export function readField(buf: Buffer, base: number, f: Field): number {
  const at = base + f.offset;
  switch (f.width) {
    case 1: return buf[at];
    case 2: return buf.readUInt16LE(at);
    case 4: return buf.readUInt32LE(at);
    default: return f.float ? buf.readDoubleLE(at) : Number(buf.readBigUInt64LE(at));
  }
}

/** The byte just past the last of FIELDS: how much of a struct must be read to decode them. */
export function extent(...fields: Field[]): number {
  return Math.max(...fields.map((f) => f.offset + f.width));
}
