// The program image's sections from runtime.firstmoduledata: where text, read-only data,
// data and bss lie, to tell a mapping's kind.
import type { MemoryReader } from '../session/memory';
import { readField } from './fields';
import type { RuntimeLayout } from './runtime-layout';

export interface BinarySections {
  text?: { start: number; end: number };
  rodata?: { start: number; end: number };
  /** noptrdata through enoptrbss: data, bss and their pointer-free twins. */
  data?: { start: number; end: number };
}

export async function readBinarySections(memory: MemoryReader, l: RuntimeLayout): Promise<BinarySections> {
  const f = l.moduledata;
  const size = Math.max(...Object.values(f).map((x) => x.offset + 8));
  const buf = await memory.read(l.addr.firstmoduledata, size);
  const get = (n: string) => (f[n] ? readField(buf, 0, f[n]) : 0);
  const range = (a: string, b: string) => (get(a) && get(b) > get(a) ? { start: get(a), end: get(b) } : undefined);
  const data = [range('noptrdata', 'enoptrdata'), range('data', 'edata'), range('bss', 'ebss'), range('noptrbss', 'enoptrbss')].filter((r) => r !== undefined);
  return {
    text: range('text', 'etext'),
    rodata: range('types', 'etypes'),
    data: data.length ? { start: Math.min(...data.map((r) => r.start)), end: Math.max(...data.map((r) => r.end)) } : undefined,
  };
}
