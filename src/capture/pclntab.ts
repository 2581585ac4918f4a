// The Go function table (.gopclntab, Go 1.18 and later): for a pc, its function, file and
// line, its frame size (the SP delta the runtime itself unwinds with) and the calls inlined
// at it. Layout after Go's runtime/symtab.go; read from bytes, no Delve.

/** pcHeader.magic: Go 1.18-1.19, and Go 1.20 onwards (the _func gained startLine). */
const MAGIC_GO118 = 0xfffffff0;
const MAGIC_GO120 = 0xfffffff1;

/** internal/abi's PCDATA and FUNCDATA indexes. */
export const PCDATA_STACK_MAP_INDEX = 1;
const PCDATA_INL_TREE_INDEX = 2;
export const FUNCDATA_ARGS_POINTER_MAPS = 0;
export const FUNCDATA_LOCALS_POINTER_MAPS = 1;
export const FUNCDATA_STACK_OBJECTS = 2;
const FUNCDATA_INL_TREE = 3;
export const FUNCDATA_OPEN_CODED_DEFER_INFO = 4;

export interface GoFunc {
  /** The function's entry address in the process, and where its code ends. */
  entry: number;
  end: number;
  name: string;
  /** The runtime's funcID: which special function this is (goexit, mcall, a wrapper...). */
  funcID: number;
  /** Size of its argument frame (-0x80000000, ArgsSizeUnknown, for some assembly). */
  args: number;
  /** Offsets of its pc-value tables in pctab (0: none). */
  pcsp: number;
  pcfile: number;
  pcln: number;
  /** Where its compilation unit's file list starts in cutab. */
  cuOffset: number;
  npcdata: number;
  nfuncdata: number;
  /** Offset of pcdata[0] in the pclntab; funcdata follows the npcdata entries. */
  tablesAt: number;
}

export interface InlinedCall {
  /** The inlined function. */
  name: string;
  /** The call site: an instruction of the enclosing function, as an offset from its entry. */
  parentPc: number;
}

/** Reads LENGTH bytes of the binary's read-only data at a process ADDRESS (the inline trees live there). */
export type StaticReader = (address: number, length: number) => Buffer | undefined;

export class FuncTable {
  private readonly funcs = new Map<number, GoFunc>();
  private readonly names = new Map<number, string>();
  private readonly files = new Map<number, string>();
  private readonly byPc = new Map<number, GoFunc | undefined>();
  private readonly nfunc: number;
  private readonly minLC: number;
  private readonly textStart: number;
  private readonly funcnameAt: number;
  private readonly cutabAt: number;
  private readonly filetabAt: number;
  private readonly pctabAt: number;
  private readonly functabAt: number;
  private readonly newLayout: boolean;

  /**
   * PCLNTAB: the .gopclntab bytes. TEXT_START: where the runtime's text is in the process
   * (moduledata.text; differs from the file's for a position-independent binary). GOFUNC:
   * moduledata.gofunc, the base of funcdata offsets.
   */
  constructor(private readonly pclntab: Buffer, textStart: number | undefined, private readonly gofunc: number, private readonly readStatic: StaticReader) {
    const magic = pclntab.readUInt32LE(0);
    if (magic !== MAGIC_GO118 && magic !== MAGIC_GO120) {
      throw new Error(`unsupported pclntab (magic 0x${magic.toString(16)}): Go 1.18 or later is needed`);
    }
    this.newLayout = magic === MAGIC_GO120;
    this.minLC = pclntab[6];
    if (pclntab[7] !== 8) throw new Error('only 64-bit Go binaries are supported');
    const word = (i: number) => Number(pclntab.readBigUInt64LE(8 + 8 * i));
    this.nfunc = word(0);
    this.textStart = textStart ?? word(2);
    this.funcnameAt = word(3);
    this.cutabAt = word(4);
    this.filetabAt = word(5);
    this.pctabAt = word(6);
    this.functabAt = word(7);
  }

  /** The function whose code holds PC. */
  findFunc(pc: number): GoFunc | undefined {
    if (this.byPc.has(pc)) return this.byPc.get(pc);
    const f = this.search(pc);
    this.byPc.set(pc, f);
    return f;
  }

  private search(pc: number): GoFunc | undefined {
    const off = pc - this.textStart;
    if (off < 0) return undefined;
    const entryOff = (i: number) => this.pclntab.readUInt32LE(this.functabAt + 8 * i);
    if (off >= entryOff(this.nfunc)) return undefined; // past the end of text
    let lo = 0;
    let hi = this.nfunc - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (entryOff(mid) <= off) lo = mid;
      else hi = mid - 1;
    }
    return this.func(lo);
  }

  /** File and line of PC in F (F's own lines, not those of calls inlined there). */
  lineAt(f: GoFunc, pc: number): { file: string; line: number } {
    const fileno = this.pcvalue(f.pcfile, f.entry, pc);
    const line = this.pcvalue(f.pcln, f.entry, pc);
    return { file: this.fileName(f, fileno), line };
  }

  /** How far SP is below the frame's top (the return address's slot) at PC. */
  spDelta(f: GoFunc, pc: number): number {
    return this.pcvalue(f.pcsp, f.entry, pc);
  }

  /** The inlined call that PC belongs to, innermost first; undefined when PC is F's own code. */
  inlinedCallAt(f: GoFunc, pc: number): InlinedCall | undefined {
    const table = this.inlineIndexTable(f);
    if (table === undefined) return undefined;
    return this.inlinedCall(f, this.pcvalue(table, f.entry, pc));
  }

  /**
   * The calls inlined into F at its top level (not within other inlined calls), in the order
   * of their call sites: what a wrapper such as a `go f(x)` statement's gowrap really calls
   * once the compiler has inlined f into it.
   */
  outermostInlinedCalls(f: GoFunc): InlinedCall[] {
    const table = this.inlineIndexTable(f);
    if (table === undefined) return [];
    const found = new Map<number, InlinedCall>();
    for (const index of new Set(this.pcvalueRuns(table, f.entry, f.end).map((r) => r.value))) {
      let call = this.inlinedCall(f, index);
      for (let depth = 0; call && depth < 100; depth++) {
        const parent = this.inlinedCallAt(f, f.entry + call.parentPc);
        if (!parent) break;
        call = parent;
      }
      if (call) found.set(call.parentPc, call);
    }
    return [...found.values()].sort((a, b) => a.parentPc - b.parentPc);
  }

  /** The value F's pc-value table INDEX (a PCDATA_ index) gives PC; -1 where it has none. */
  pcdata(f: GoFunc, index: number, pc: number): number {
    if (f.npcdata <= index) return -1;
    return this.pcvalue(this.pclntab.readUInt32LE(f.tablesAt + 4 * index), f.entry, pc);
  }

  /** The process address of F's funcdata INDEX (a FUNCDATA_ index), or undefined where it has none. */
  funcdata(f: GoFunc, index: number): number | undefined {
    if (f.nfuncdata <= index) return undefined;
    const off = this.pclntab.readUInt32LE(f.tablesAt + 4 * f.npcdata + 4 * index);
    return off === 0xffffffff ? undefined : this.gofunc + off;
  }

  /** LENGTH bytes of the binary's read-only data at a process ADDRESS (funcdata, inline trees). */
  staticBytes(address: number, length: number): Buffer | undefined {
    return this.readStatic(address, length);
  }

  private inlineIndexTable(f: GoFunc): number | undefined {
    if (f.npcdata <= PCDATA_INL_TREE_INDEX || f.nfuncdata <= FUNCDATA_INL_TREE) return undefined;
    const table = this.pclntab.readUInt32LE(f.tablesAt + 4 * PCDATA_INL_TREE_INDEX);
    return table === 0 ? undefined : table;
  }

  /** Entry INDEX of F's inline tree (undefined for -1: F's own code). */
  private inlinedCall(f: GoFunc, index: number): InlinedCall | undefined {
    if (index < 0) return undefined;
    const treeOff = this.pclntab.readUInt32LE(f.tablesAt + 4 * f.npcdata + 4 * FUNCDATA_INL_TREE);
    if (treeOff === 0xffffffff) return undefined;
    // Go 1.18-1.19: {parent int16, funcID uint8, _ byte, file, line, func_, parentPc int32};
    // Go 1.20+: {funcID uint8, _ [3]byte, nameOff, parentPc, startLine int32}.
    const size = this.newLayout ? 16 : 20;
    const entry = this.readStatic(this.gofunc + treeOff + index * size, size);
    if (!entry) return undefined;
    const nameOff = entry.readInt32LE(this.newLayout ? 4 : 12);
    const parentPc = entry.readInt32LE(this.newLayout ? 8 : 16);
    return { name: this.funcName(nameOff), parentPc };
  }

  /**
   * Whether F is compiler-generated glue (funcID_wrapper): the closure a `go f(x)` statement
   * starts, an ABI or method wrapper. The wrapper funcID is the last of the runtime's list, whose
   * length changes between releases: it is the largest funcID in the table.
   */
  isWrapper(f: GoFunc): boolean {
    if (this.wrapperFuncID === undefined) {
      let max = 0;
      for (let i = 0; i < this.nfunc; i++) {
        const at = this.functabAt + this.pclntab.readUInt32LE(this.functabAt + 8 * i + 4);
        max = Math.max(max, this.pclntab[at + (this.newLayout ? 40 : 36)]);
      }
      this.wrapperFuncID = max;
    }
    return f.funcID === this.wrapperFuncID && f.funcID !== 0;
  }

  private wrapperFuncID: number | undefined;

  private func(i: number): GoFunc {
    let f = this.funcs.get(i);
    if (f) return f;
    const p = this.pclntab;
    const at = this.functabAt + p.readUInt32LE(this.functabAt + 8 * i + 4);
    const tail = this.newLayout ? 40 : 36; // funcID, flag, _, nfuncdata follow cuOffset (and startLine)
    f = {
      entry: this.textStart + p.readUInt32LE(at),
      end: this.textStart + p.readUInt32LE(this.functabAt + 8 * (i + 1)),
      name: this.funcName(p.readInt32LE(at + 4)),
      funcID: p[at + tail],
      args: p.readInt32LE(at + 8),
      pcsp: p.readUInt32LE(at + 16),
      pcfile: p.readUInt32LE(at + 20),
      pcln: p.readUInt32LE(at + 24),
      npcdata: p.readUInt32LE(at + 28),
      cuOffset: p.readUInt32LE(at + 32),
      nfuncdata: p[at + tail + 3],
      tablesAt: at + tail + 4,
    };
    this.funcs.set(i, f);
    return f;
  }

  private funcName(nameOff: number): string {
    let name = this.names.get(nameOff);
    if (name === undefined) {
      const start = this.funcnameAt + nameOff;
      name = this.pclntab.toString('utf8', start, this.pclntab.indexOf(0, start));
      this.names.set(nameOff, name);
    }
    return name;
  }

  private fileName(f: GoFunc, fileno: number): string {
    if (fileno < 0) return '?';
    const off = this.pclntab.readUInt32LE(this.cutabAt + 4 * (f.cuOffset + fileno));
    if (off === 0xffffffff) return '?';
    let name = this.files.get(off);
    if (name === undefined) {
      const start = this.filetabAt + off;
      name = this.pclntab.toString('utf8', start, this.pclntab.indexOf(0, start));
      this.files.set(off, name);
    }
    return name;
  }

  /** Every run of a pc-value table from ENTRY to END: [start, end) has VALUE. */
  private pcvalueRuns(table: number, entry: number, end: number): { start: number; end: number; value: number }[] {
    const out: { start: number; end: number; value: number }[] = [];
    const c: PcvalueCursor = { at: this.pctabAt + table, value: -1, start: entry, upto: entry };
    for (let first = true; c.upto < end && this.nextPcvalue(c, first); first = false) out.push({ start: c.start, end: c.upto, value: c.value });
    return out;
  }

  /**
   * The value a pc-value table gives PC: pairs of (value delta, zig-zag varint; pc delta,
   * varint, in units of minLC), starting from -1 at the entry; a zero value delta after
   * the first pair ends the table.
   */
  private pcvalue(table: number, entry: number, pc: number): number {
    if (table === 0) return -1;
    const c: PcvalueCursor = { at: this.pctabAt + table, value: -1, start: entry, upto: entry };
    for (let first = true; this.nextPcvalue(c, first); first = false) if (pc < c.upto) return c.value;
    return -1;
  }

  /** Reads the pair at C into it ([start, upto) has value); false at the table's end. */
  private nextPcvalue(c: PcvalueCursor, first: boolean): boolean {
    const uv = this.uvarint(c);
    if (uv === 0 && !first) return false;
    c.value += uv % 2 === 1 ? -(uv + 1) / 2 : uv / 2;
    c.start = c.upto;
    c.upto += this.uvarint(c) * this.minLC;
    return true;
  }

  private uvarint(c: PcvalueCursor): number {
    let v = 0;
    for (let shift = 1; ; shift *= 128) {
      const b = this.pclntab[c.at++];
      v += (b & 0x7f) * shift;
      if (b < 0x80) return v;
    }
  }
}

/** Where a walk of a pc-value table is: the next pair's offset, and the run last read. */
interface PcvalueCursor {
  at: number;
  value: number;
  start: number;
  upto: number;
}
