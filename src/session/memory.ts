// Reading the target's memory in bulk. Delve's ExamineMemory answers at most 1,000 bytes a
// call (Delve 1.20), far too slow for a heap or 10,000 stacks, so: /proc/PID/mem for a
// stopped local process, the core file's own segments for a core dump, Delve otherwise.
import * as fs from 'node:fs';
import type { DelveClient } from '../rpc/delve-client';
import { ElfFile } from './elf';
import type { Session } from './session';

export interface MemoryReader {
  readonly source: 'proc' | 'core' | 'delve';
  /** LENGTH bytes at ADDRESS; throws MemoryError where nothing is mapped. */
  read(address: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

export class MemoryError extends Error {
  constructor(readonly address: number, readonly length: number, why: string) {
    super(`cannot read ${length} bytes at 0x${address.toString(16)}: ${why}`);
    this.name = 'MemoryError';
  }
}

/** The fastest reader this session allows. */
export async function openMemory(session: Session): Promise<MemoryReader> {
  const delve = new DelveMemory(session.query, examineLimit(session.version.DelveVersion));
  if (session.spec.kind === 'core') return CoreMemory.open(session.spec.core, delve);
  if (session.spec.kind !== 'connect' && session.pid > 0) {
    try {
      return new ProcMemory(await fs.promises.open(`/proc/${session.pid}/mem`, 'r'), session.pid);
    } catch {
      /* not ours to read (permissions): Delve can */
    }
  }
  return delve;
}

/** Delve 1.24 raised ExamineMemory's limit from 1,000 bytes to 64 KiB. */
function examineLimit(delveVersion: string): number {
  const m = /(\d+)\.(\d+)/.exec(delveVersion);
  return m && (Number(m[1]) > 1 || Number(m[2]) >= 24) ? 65536 : 1000;
}

class ProcMemory implements MemoryReader {
  readonly source = 'proc';
  constructor(private readonly file: fs.promises.FileHandle, private readonly pid: number) {}

  async read(address: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      let n: number;
      try {
        ({ bytesRead: n } = await this.file.read(buf, done, length - done, address + done));
      } catch (err) {
        throw new MemoryError(address, length, `${(err as Error).message} (process ${this.pid})`);
      }
      if (n === 0) throw new MemoryError(address, length, `unmapped in process ${this.pid}`);
      done += n;
    }
    return buf;
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

class DelveMemory implements MemoryReader {
  readonly source = 'delve';
  constructor(private readonly client: DelveClient, private readonly limit: number) {}

  async read(address: number, length: number): Promise<Buffer> {
    const parts: Promise<Buffer>[] = [];
    for (let at = 0; at < length; at += this.limit) {
      // All in flight at once: Delve answers them in order on the one connection.
      parts.push(this.client.examineMemory({ Address: address + at, Length: Math.min(this.limit, length - at) }));
    }
    let bytes: Buffer;
    try {
      bytes = Buffer.concat(await Promise.all(parts));
    } catch (err) {
      throw new MemoryError(address, length, (err as Error).message);
    }
    if (bytes.length < length) throw new MemoryError(address, length, `Delve returned ${bytes.length} bytes`);
    return bytes;
  }

  async close(): Promise<void> {}
}

/** An ELF core's loaded segments; what the core lacks (text, read-only data) comes from Delve. */
class CoreMemory implements MemoryReader {
  readonly source = 'core';
  private constructor(private readonly core: ElfFile, private readonly fallback: MemoryReader) {}

  static async open(corePath: string, fallback: MemoryReader): Promise<CoreMemory> {
    return new CoreMemory(ElfFile.open(corePath), fallback);
  }

  async read(address: number, length: number): Promise<Buffer> {
    const seg = this.core.segments.find((s) => address >= s.vaddr && address + length <= s.vaddr + s.memsz);
    if (!seg || seg.filesz === 0) return this.fallback.read(address, length);
    const buf = Buffer.alloc(length); // bytes past filesz read as zero, as in the process
    const inFile = Math.max(0, Math.min(length, seg.vaddr + seg.filesz - address));
    if (inFile > 0) this.core.read(seg.offset + (address - seg.vaddr), inFile, buf);
    return buf;
  }

  async close(): Promise<void> {
    this.core.close();
  }
}
