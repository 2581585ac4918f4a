// Whether a core dump came from the binary the user named. Delve accepts any pair and fails
// later ("error while reading spliced memory ... EOF"); the Go build ID note sits in the
// first page of the text mapping, which cores keep (the coredump filter's "ELF headers"), so
// the core's copy can be compared with the binary's.
import { ElfFile } from './elf';

/** Why COREFILE was not made from BINARY; undefined when it was, or when the core cannot tell. */
export function coreMismatch(binaryPath: string, corePath: string): string | undefined {
  let binary: ElfFile | undefined;
  let core: ElfFile | undefined;
  try {
    binary = ElfFile.open(binaryPath);
    core = ElfFile.open(corePath);
    const note = binary.section('.note.go.buildid');
    const expected = binary.sectionBytes('.note.go.buildid');
    if (!note || !expected || note.address === 0) return undefined;
    const seg = core.segments.find((s) => note.address >= s.vaddr && note.address + note.size <= s.vaddr + s.filesz);
    if (!seg) return undefined;
    const found = core.read(seg.offset + (note.address - seg.vaddr), note.size);
    if (found.equals(expected) || found.every((b) => b === 0)) return undefined;
    return `the core was not made from this binary: the core's Go build ID is ${buildId(found) ?? 'not there'}, ${binaryPath}'s is ${buildId(expected)}`;
  } catch {
    return undefined; // not ELF, unreadable: Delve says what is wrong
  } finally {
    binary?.close();
    core?.close();
  }
}

/** The build ID in a Go note: namesz, descsz, type, "Go\0\0", then the ID. */
function buildId(note: Buffer): string | undefined {
  if (note.length < 16) return undefined;
  const namesz = note.readUInt32LE(0);
  const descsz = note.readUInt32LE(4);
  const desc = 12 + Math.ceil(namesz / 4) * 4;
  if (note.subarray(12, 14).toString('latin1') !== 'Go' || desc + descsz > note.length) return undefined;
  return note.subarray(desc, desc + descsz).toString('utf8');
}
