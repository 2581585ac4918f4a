// Which Go release built a binary, read from its .go.buildinfo section (Go 1.18+ layout:
// 16-byte-aligned magic, then the version as a length-prefixed string).
import { ElfFile } from './elf';

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const FLAG_INLINE_STRINGS = 2;

/** 'go1.22.12', or undefined when the binary is not Go or predates Go 1.18. */
export function goVersionOfBinary(bytes: Buffer): string | undefined {
  for (let at = bytes.indexOf(MAGIC); at >= 0; at = bytes.indexOf(MAGIC, at + 1)) {
    if (at % 16 !== 0) continue;
    const flags = bytes[at + 15];
    if (!(flags & FLAG_INLINE_STRINGS)) return undefined;
    const [length, width] = readUvarint(bytes, at + 32);
    const version = bytes.subarray(at + 32 + width, at + 32 + width + length).toString('utf8');
    return version.startsWith('go') ? version : undefined;
  }
  return undefined;
}

export function goVersionOfFile(path: string): string | undefined {
  try {
    const elf = ElfFile.open(path);
    try {
      const blob = elf.sectionBytes('.go.buildinfo');
      return blob && goVersionOfBinary(blob);
    } finally {
      elf.close();
    }
  } catch {
    return undefined;
  }
}

function readUvarint(bytes: Buffer, at: number): [value: number, width: number] {
  let value = 0;
  for (let i = 0, shift = 0; i < 10; i++, shift += 7) {
    const b = bytes[at + i];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, i + 1];
  }
  return [0, 0];
}

/** [major, minor] of 'go1.22.12' or '1.20.2'; undefined if unreadable. */
export function majorMinor(version: string): [number, number] | undefined {
  const m = /(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}
