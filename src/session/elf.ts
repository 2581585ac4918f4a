// A 64-bit little-endian ELF file, read from the file itself: a Go binary's sections (the
// symbol tables a capture needs are not in a core dump) and a core dump's loaded segments.
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

/** A PT_LOAD program header: FILESZ bytes at OFFSET are memory at VADDR; the rest of MEMSZ is zeros. */
export interface ElfSegment {
  vaddr: number;
  memsz: number;
  offset: number;
  filesz: number;
}

export interface ElfSymbol {
  name: string;
  address: number;
  size: number;
}

const SHT_NOBITS = 8;
const STT_OBJECT = 1;
const PT_LOAD = 1;

export class ElfFile {
  private readonly loaded = new Map<string, Buffer>();

  private constructor(readonly path: string, private readonly fd: number, readonly sections: ElfSection[], readonly segments: ElfSegment[]) {}

  static open(path: string): ElfFile {
    // Opening a FIFO or a device would block the event loop (and the heartbeat with it).
    if (!fs.statSync(path).isFile()) throw new Error(`${path} is not a regular file`);
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
      const segments = readSegments(fd, header);
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
      if (!names) return new ElfFile(path, fd, [], segments); // a core dump may have no sections
      const strings = Buffer.alloc(names.size);
      fs.readSync(fd, strings, 0, names.size, names.offset);
      const sections = raw.map((s) => ({
        name: strings.toString('latin1', s.nameOffset, strings.indexOf(0, s.nameOffset)),
        address: s.address,
        offset: s.offset,
        size: s.size,
        noBits: s.type === SHT_NOBITS,
      }));
      return new ElfFile(path, fd, sections, segments);
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

  /** The symbol table's data objects (STT_OBJECT), sorted by address: which package variable an address is in. */
  dataSymbols(): ElfSymbol[] {
    const table = this.section('.symtab');
    const strings = this.sectionBytes('.strtab');
    if (!table || !strings) return [];
    const bytes = this.read(table.offset, table.size);
    const out: ElfSymbol[] = [];
    for (let at = 0; at + 24 <= bytes.length; at += 24) {
      if ((bytes[at + 4] & 0xf) !== STT_OBJECT) continue;
      const name = strings.toString('utf8', bytes.readUInt32LE(at), strings.indexOf(0, bytes.readUInt32LE(at)));
      out.push({ name, address: Number(bytes.readBigUInt64LE(at + 8)), size: Number(bytes.readBigUInt64LE(at + 16)) });
    }
    return out.sort((a, b) => a.address - b.address);
  }

  /** LENGTH bytes of the file at OFFSET. */
  read(offset: number, length: number, into = Buffer.alloc(length)): Buffer {
    fs.readSync(this.fd, into, 0, length, offset);
    return into;
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

function readSegments(fd: number, header: Buffer): ElfSegment[] {
  const phoff = Number(header.readBigUInt64LE(0x20));
  const phentsize = header.readUInt16LE(0x36);
  const phnum = header.readUInt16LE(0x38);
  const table = Buffer.alloc(phentsize * phnum);
  fs.readSync(fd, table, 0, table.length, phoff);
  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    if (table.readUInt32LE(at) !== PT_LOAD) continue;
    segments.push({
      offset: Number(table.readBigUInt64LE(at + 8)),
      vaddr: Number(table.readBigUInt64LE(at + 16)),
      filesz: Number(table.readBigUInt64LE(at + 32)),
      memsz: Number(table.readBigUInt64LE(at + 40)),
    });
  }
  return segments.sort((a, b) => a.vaddr - b.vaddr);
}
