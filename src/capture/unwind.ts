// Walking one goroutine's stack from its saved pc and sp, as the Go runtime's own traceback
// does: each frame's size comes from the function table's SP deltas, the return address is
// the word just below the frame's top. Frames are named as Delve's Stacktrace names them
// (it stays the reference): the top frame by its pc, callers by pc-1 (the CALL), and calls
// inlined at a pc as frames of their own. Pure: stack bytes and the table in, frames out.
import type { CapturedFrame } from './capture';
import type { FuncTable, GoFunc } from './pclntab';

/** A goroutine's stack bytes from START (its saved sp) up to the stack's top. */
export interface StackBytes {
  start: number;
  bytes: Buffer;
}

export interface Unwound {
  frames: CapturedFrame[];
  truncated: boolean;
  error?: string;
}

/** Where Delve stops: the functions at the bottom of every goroutine (and thread) stack. */
const BOTTOM_FUNCTIONS = new Set(['runtime.goexit', 'runtime.rt0_go', 'runtime.mcall']);
/** Frames runtime.systemstack fakes: their return address follows no CALL. */
const NO_CALL_FUNCTIONS = new Set(['runtime.mstart', 'runtime.systemstack_switch']);
const MAX_INLINE_DEPTH = 100;

interface PhysicalFrame {
  func: GoFunc;
  /** The frame and the calls inlined into it at this pc, innermost first. */
  frames: CapturedFrame[];
  spDelta: number;
  bottom: boolean;
}

/** Symbolizes and sizes frames once per pc: 10,000 goroutines share a few hundred pcs. */
export class Unwinder {
  private readonly topFrames = new Map<number, PhysicalFrame | null>();
  private readonly callerFrames = new Map<number, PhysicalFrame | null>();

  constructor(private readonly table: FuncTable) {}

  unwind(pc: number, sp: number, stack: StackBytes, maxFrames: number): Unwound {
    const frames: CapturedFrame[] = [];
    let top = true;
    for (;;) {
      if (frames.length >= maxFrames) return { frames: frames.slice(0, maxFrames), truncated: true };
      const frame = this.physicalFrame(pc, top);
      if (!frame) return { frames, truncated: false, error: `no Go function at pc 0x${pc.toString(16)}` };
      for (const f of frame.frames) frames.push(f);
      if (frame.bottom) break;
      if (frame.spDelta < 0) return { frames, truncated: false, error: `no frame size for ${frame.func.name} at pc 0x${pc.toString(16)}` };
      const cfa = sp + frame.spDelta + 8;
      const slot = cfa - 8 - stack.start;
      if (slot < 0 || slot + 8 > stack.bytes.length) {
        return { frames, truncated: false, error: `the walk left the stack at ${frame.func.name} (sp 0x${sp.toString(16)})` };
      }
      const ret = stack.bytes.readUInt32LE(slot) + stack.bytes.readUInt32LE(slot + 4) * 2 ** 32;
      if (ret === 0) break;
      pc = ret;
      sp = cfa;
      top = false;
    }
    if (frames.length > maxFrames) return { frames: frames.slice(0, maxFrames), truncated: true };
    return { frames, truncated: false };
  }

  private physicalFrame(pc: number, top: boolean): PhysicalFrame | undefined {
    const cache = top ? this.topFrames : this.callerFrames;
    let frame = cache.get(pc);
    if (frame === undefined) {
      frame = this.symbolize(pc, top) ?? null;
      cache.set(pc, frame);
    }
    return frame ?? undefined;
  }

  private symbolize(pc: number, top: boolean): PhysicalFrame | undefined {
    const func = this.table.findFunc(pc);
    if (!func) return undefined;
    // A return address follows the CALL: its line is the instruction before it.
    const callPc = top ? pc : pc - 1;
    const linePc = top || pc === func.entry || NO_CALL_FUNCTIONS.has(func.name) ? pc : pc - 1;
    let at = this.table.lineAt(func, linePc);
    const frames: CapturedFrame[] = [];
    let inlined = this.table.inlinedCallAt(func, callPc);
    for (let depth = 0; inlined && depth < MAX_INLINE_DEPTH; depth++) {
      frames.push({ function: inlined.name, file: at.file, line: at.line, pc, inlined: true });
      const parentPc = func.entry + inlined.parentPc;
      at = this.table.lineAt(func, parentPc);
      inlined = this.table.inlinedCallAt(func, parentPc);
    }
    frames.push({ function: func.name, file: at.file, line: at.line, pc });
    return { func, frames, spDelta: this.table.spDelta(func, pc), bottom: BOTTOM_FUNCTIONS.has(func.name) };
  }
}

/** The go statement that started a goroutine, as `file:line` (Delve's goStatementLoc). */
export function goStatementOf(table: FuncTable, gopc: number): string {
  const func = table.findFunc(gopc);
  if (!func) return '';
  const at = table.lineAt(func, gopc > func.entry ? gopc - 1 : gopc); // back to the CALL
  return `${at.file}:${at.line}`;
}
