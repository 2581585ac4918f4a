// The target's function table, from its binary file: which file that is for each kind of
// session, and where the process loaded it (moduledata.text, gofunc), so a
// position-independent binary reads right too.
import * as fs from 'node:fs';
import type { Session } from '../session/session';
import { ElfFile, type ElfSymbol } from '../session/elf';
import { FuncTable } from './pclntab';

export interface LoadedFuncTable {
  table: FuncTable;
  binary: string;
  /** The binary's package variables (the ELF symbol table's objects) where the process has them. */
  dataSymbols(): ElfSymbol[];
  close(): void;
}

const NO_VALUES = { FollowPointers: false, MaxVariableRecurse: 0, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: 0 };

/** The binary a session runs: the core's binary, else the live process's own executable. */
export function binaryOf(session: Session): string | undefined {
  const spec = session.spec;
  if (spec.kind === 'core') return spec.binary;
  if (session.pid > 0 && fs.existsSync(`/proc/${session.pid}/exe`)) return `/proc/${session.pid}/exe`;
  if (spec.kind === 'exec') return spec.binary;
  return undefined;
}

export async function loadFuncTable(session: Session): Promise<LoadedFuncTable> {
  const binary = binaryOf(session);
  if (!binary) throw new Error('the target\'s binary is not on this machine');
  const scope = { GoroutineID: -1, Frame: 0 };
  const [text, gofunc] = await Promise.all(
    ['runtime.firstmoduledata.text', 'runtime.firstmoduledata.gofunc'].map(async (expr) => Number((await session.query.eval({ Scope: scope, Expr: expr, Cfg: NO_VALUES })).value)),
  );
  const elf = ElfFile.open(binary);
  try {
    const pclntab = elf.sectionBytes('.gopclntab');
    if (!pclntab) throw new Error(`${binary} has no .gopclntab section`);
    // pcHeader.textStart, or from Go 1.26 (always 0 there) the .text section: the file's view, against which
    // moduledata.text gives the load slide.
    const fileText = Number(pclntab.readBigUInt64LE(24)) || (elf.section('.text')?.address ?? 0);
    const slide = text - fileText; // nonzero for a position-independent binary
    const readStatic = (address: number, length: number) => {
      const found = elf.bytesAt(address - slide, length);
      return found && found.bytes.subarray(found.at, found.at + length);
    };
    const dataSymbols = () => elf.dataSymbols().map((sym) => ({ ...sym, address: sym.address + slide }));
    return { table: new FuncTable(pclntab, text, gofunc, readStatic), binary, dataSymbols, close: () => elf.close() };
  } catch (err) {
    elf.close();
    throw err;
  }
}
