// The sections of a 64-bit little-endian ELF file (a Go binary on linux/amd64), read from
// the file itself: the symbol tables a capture needs are not in a core dump.
import * as fs from 'node:fs';

export interface ElfSection {
  name: string;
  /** Virtual address where the section is loaded (0 for sections not loaded). */
  address: number;
  offset: number;
  size: number;
  /** SHT_NOBITS (.bss): takes memory, no bytes in the file. */
  noBits: boolean;
}

const SHT_NOBITS = 8;

export class ElfFile {
  private readonly loaded = new Map<string, Buffer>();

  private constructor(readonly path: string, private readonly fd: number, readonly sections: ElfSection[]) {}

  static open(path: string): ElfFile {
    const fd = fs.openSync(path, 'r');
    try {
      const header = Buffer.alloc(64);
      fs.readSync(fd, header, 0, 64, 0);
      if (header.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path} is not an ELF file`);
      if (header[4] !== 2 || header[5] !== 1) throw new Error(`${path} is not a 64-bit little-endian ELF file`);
      const shoff = Number(header.readBigUInt64LE(0x28));
      const shentsize = header.readUInt16LE(0x3a);
      const shnum = header.readUInt16LE(0x3c);
      const shstrndx = header.readUInt16LE(0x3e);
      const table = Buffer.alloc(shentsize * shnum);
      fs.readSync(fd, table, 0, table.length, shoff);
      const raw = Array.from({ length: shnum }, (_, i) => {
        const at = i * shentsize;
        return {
          nameOffset: table.readUInt32LE(at),
          type: table.readUInt32LE(at + 4),
          address: Number(table.readBigUInt64LE(at + 16)),
          offset: Number(table.readBigUInt64LE(at + 24)),
          size: Number(table.readBigUInt64LE(at + 32)),
        };
      });
      const names = raw[shstrndx];
      const strings = Buffer.alloc(names.size);
      fs.readSync(fd, strings, 0, names.size, names.offset);
      const sections = raw.map((s) => ({
        name: strings.toString('latin1', s.nameOffset, strings.indexOf(0, s.nameOffset)),
        address: s.address,
        offset: s.offset,
        size: s.size,
        noBits: s.type === SHT_NOBITS,
      }));
      return new ElfFile(path, fd, sections);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** The whole of section NAME, read once. */
  sectionBytes(name: string): Buffer | undefined {
    const s = this.section(name);
    if (!s || s.noBits) return undefined;
    return this.load(s);
  }

  /** The loaded section holding [ADDRESS, ADDRESS+LENGTH), with ADDRESS's offset in it. */
  bytesAt(address: number, length: number): { bytes: Buffer; at: number } | undefined {
    const s = this.sections.find((x) => x.address > 0 && !x.noBits && address >= x.address && address + length <= x.address + x.size);
    if (!s) return undefined;
    return { bytes: this.load(s), at: address - s.address };
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private load(s: ElfSection): Buffer {
    let bytes = this.loaded.get(s.name);
    if (!bytes) {
      bytes = Buffer.alloc(s.size);
      fs.readSync(this.fd, bytes, 0, s.size, s.offset);
      this.loaded.set(s.name, bytes);
    }
    return bytes;
  }
}
