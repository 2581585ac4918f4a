// Which words of a goroutine's stack hold live pointers, frame by frame, as the Go runtime's
// own stack scan finds them: each frame's locals and arguments pointer maps at its pc
// (FUNCDATA_LocalsPointerMaps, FUNCDATA_ArgsPointerMaps, indexed by PCDATA_StackMapIndex),
// its address-taken locals (FUNCDATA_StackObjects, scanned whole), and its pending
// open-coded defers (FUNCDATA_OpenCodedDeferInfo). A dead slot's stale pointer is not a
// reference, which is what keeps a leak from hiding behind main's old locals. Pure: stack
// bytes and the function table in.
import {
  FUNCDATA_ARGS_POINTER_MAPS, FUNCDATA_LOCALS_POINTER_MAPS, FUNCDATA_OPEN_CODED_DEFER_INFO, FUNCDATA_STACK_OBJECTS,
  PCDATA_STACK_MAP_INDEX, type FuncTable, type GoFunc,
} from '../capture/pclntab';
import type { StackBytes } from '../capture/unwind';

/**
 * The stack words that hold pointers, as parallel arrays (100,000 goroutines hold millions:
 * no object each): word i is at SLOTS[i] in physical frame FRAMES[i] (innermost 0) and holds VALUES[i].
 */
export interface StackRoots {
  frames: number[];
  slots: number[];
  values: number[];
}

function push(roots: StackRoots, frame: number, slot: number, value: number): void {
  roots.frames.push(frame);
  roots.slots.push(slot);
  roots.values.push(value);
}

export interface ScannedFrame {
  function: string;
  pc: number;
  sp: number;
  /** Top of the frame (the caller's sp). */
  fp: number;
  /** Scanned word by word (no pointer maps at this pc: an interrupted or assembly frame). */
  conservative: boolean;
  /** Closures of defers this frame still has to run (open-coded: deferBits set); absent when none. */
  defers?: number[];
}

export interface ScannedStack {
  frames: ScannedFrame[];
  roots: StackRoots;
  /** Why the walk stopped before the stack's bottom. */
  error?: string;
}

const ARGS_SIZE_UNKNOWN = -0x80000000;
const BOTTOM = new Set(['runtime.goexit', 'runtime.rt0_go', 'runtime.mcall', 'runtime.mstart', 'runtime.morestack']);
const MAX_FRAMES = 10_000;

/** Where a frame's live pointers lie, relative to its sp: the same for every goroutine parked at that pc. */
interface FrameShape {
  func: GoFunc;
  spDelta: number;
  /** Offsets from sp of the words holding live pointers. */
  slots: number[];
  /** [from, to) offsets from sp scanned whole (the frame, when there are no maps). */
  ranges: [number, number][];
  /** [from, to) offsets from sp of its address-taken locals: scanned only once a live pointer reaches them, as the runtime does. */
  objects: [number, number][];
  conservative: boolean;
  /** Open-coded defers: where the deferBits byte and the closure slots are, from sp. */
  deferBits?: number;
  deferSlots?: number;
}

export class StackScanner {
  private readonly shapes = new Map<number, FrameShape | null>();

  constructor(private readonly table: FuncTable) {}

  /**
   * Walks the stack from PC and SP. TOP_UNKNOWN: the innermost frame was stopped at an
   * arbitrary instruction (a running goroutine), so it is scanned whole; a parked
   * goroutine's top frame is at a call, like every caller.
   */
  scan(pc: number, sp: number, stack: StackBytes, topUnknown: boolean, alsoLive: number[] = []): ScannedStack {
    const frames: ScannedFrame[] = [];
    const roots: StackRoots = { frames: [], slots: [], values: [] };
    const objects: { frame: number; from: number; to: number }[] = [];
    const word = (address: number): number | undefined => {
      const at = address - stack.start;
      if (at < 0 || at + 8 > stack.bytes.length) return undefined;
      return stack.bytes.readUInt32LE(at) + stack.bytes.readUInt32LE(at + 4) * 2 ** 32;
    };
    let conservativeNext = topUnknown;
    for (let i = 0; i < MAX_FRAMES; i++) {
      const shape = this.shape(pc, conservativeNext);
      if (!shape) return { frames, roots, error: `no Go function at pc 0x${pc.toString(16)}` };
      const fp = sp + shape.spDelta + 8;
      const frame: ScannedFrame = { function: shape.func.name, pc, sp, fp, conservative: shape.conservative };
      frames.push(frame);
      for (const off of shape.slots) {
        const value = word(sp + off);
        if (value) push(roots, i, sp + off, value);
      }
      for (const [from, to] of shape.ranges) {
        for (let a = sp + from; a + 8 <= sp + to; a += 8) {
          const value = word(a);
          if (value) push(roots, i, a, value);
        }
      }
      for (const [from, to] of shape.objects) objects.push({ frame: i, from: sp + from, to: sp + to });
      if (shape.deferBits !== undefined && shape.deferSlots !== undefined) {
        // One byte, read as a byte: the word it starts may exceed 2^53, where a number drops low bits.
        const at = sp + shape.deferBits - stack.start;
        const bits = at >= 0 && at < stack.bytes.length ? stack.bytes[at] : 0;
        for (let b = 0; b < 8; b++) {
          if (!(bits & (1 << b))) continue;
          const closure = word(sp + shape.deferSlots + 8 * b);
          if (closure) (frame.defers ??= []).push(closure);
        }
      }
      if (BOTTOM.has(shape.func.name) || shape.spDelta < 0) break;
      const ret = word(fp - 8);
      if (ret === undefined) return { frames, roots, error: `the walk left the stack at ${shape.func.name}` };
      if (ret === 0) break;
      // An asynchronously preempted frame was stopped anywhere: its maps do not hold there.
      conservativeNext = shape.func.name === 'runtime.asyncPreempt';
      pc = ret;
      sp = fp;
    }
    this.reachedStackObjects(objects, roots, word, alsoLive);
    return { frames, roots };
  }

  /**
   * Address-taken locals hold what was stored in them, live or not (an argument array
   * not yet filled keeps an older call's pointers): their words count only once a live
   * pointer, or a stack object already reached, points into them. ALSO_LIVE: pointers the
   * g holds into its stack (its defer records).
   */
  private reachedStackObjects(objects: { frame: number; from: number; to: number }[], roots: StackRoots, word: (a: number) => number | undefined, alsoLive: number[]): void {
    if (objects.length === 0) return;
    const pending = [...objects];
    const seeds = alsoLive.length;
    for (let i = -seeds; i < roots.values.length && pending.length > 0; i++) {
      const v = i < 0 ? alsoLive[i + seeds] : roots.values[i];
      for (let k = 0; k < pending.length; k++) {
        const o = pending[k];
        if (v < o.from || v >= o.to) continue;
        pending.splice(k--, 1);
        for (let a = o.from; a + 8 <= o.to; a += 8) {
          const value = word(a);
          if (value) push(roots, o.frame, a, value); // scanned in turn: it may point into another
        }
      }
    }
  }

  private shape(pc: number, conservative: boolean): FrameShape | undefined {
    const key = conservative ? -pc : pc;
    let s = this.shapes.get(key);
    if (s === undefined) {
      s = this.computeShape(pc, conservative) ?? null;
      this.shapes.set(key, s);
    }
    return s ?? undefined;
  }

  private computeShape(pc: number, conservative: boolean): FrameShape | undefined {
    const t = this.table;
    const func = t.findFunc(pc);
    if (!func) return undefined;
    const spDelta = t.spDelta(func, pc);
    if (spDelta < 0) return { func, spDelta, slots: [], ranges: [], objects: [], conservative: true };
    const fp = spDelta + 8; // offsets from sp
    let varp = fp - 8;
    if (varp > 0) varp -= 8; // the saved frame pointer
    const argp = fp;
    const shape: FrameShape = { func, spDelta, slots: [], ranges: [], objects: [], conservative };
    // The callee's outgoing arguments and the frame's own words, without maps, are all scanned.
    if (conservative || func.name === 'runtime.asyncPreempt') {
      shape.conservative = true;
      shape.ranges.push([0, fp - 8]);
      return shape;
    }
    let index = pc !== func.entry ? t.pcdata(func, PCDATA_STACK_MAP_INDEX, pc - 1) : -1;
    if (index < 0) index = 0; // the prologue: the entry map, as the runtime assumes
    if (varp > 0) {
      const bits = this.bitmap(func, FUNCDATA_LOCALS_POINTER_MAPS, index);
      if (bits) for (let i = 0; i < bits.nbit; i++) if (bits.get(i)) shape.slots.push(varp - bits.nbit * 8 + i * 8);
    }
    if (func.args > 0 && func.args !== ARGS_SIZE_UNKNOWN) {
      const bits = this.bitmap(func, FUNCDATA_ARGS_POINTER_MAPS, index);
      if (bits) for (let i = 0; i < bits.nbit && i * 8 < func.args; i++) if (bits.get(i)) shape.slots.push(argp + i * 8);
    }
    for (const obj of this.stackObjects(func)) {
      const base = obj.off < 0 ? varp : argp;
      shape.objects.push([base + obj.off, base + obj.off + obj.ptrBytes]);
    }
    const defers = this.openCodedDefers(func);
    if (defers) {
      shape.deferBits = varp - defers.bitsOffset;
      shape.deferSlots = varp - defers.slotsOffset;
    }
    return shape;
  }

  /** Bitmap INDEX of F's stackmap funcdata KIND: {n int32, nbit int32, bytedata [n][(nbit+7)/8]byte}. */
  private bitmap(f: GoFunc, kind: number, index: number): { nbit: number; get(i: number): boolean } | undefined {
    const at = this.table.funcdata(f, kind);
    if (at === undefined) return undefined;
    const header = this.table.staticBytes(at, 8);
    if (!header) return undefined;
    const n = header.readInt32LE(0);
    const nbit = header.readInt32LE(4);
    if (nbit <= 0 || index >= n) return undefined;
    const size = (nbit + 7) >> 3;
    const bytes = this.table.staticBytes(at + 8 + index * size, size);
    if (!bytes) return undefined;
    return { nbit, get: (i) => (bytes[i >> 3] & (1 << (i & 7))) !== 0 };
  }

  /** F's stack object records: {off, size, ptrBytes int32, gcdataoff uint32}, after a uintptr count. */
  private stackObjects(f: GoFunc): { off: number; ptrBytes: number }[] {
    const at = this.table.funcdata(f, FUNCDATA_STACK_OBJECTS);
    if (at === undefined) return [];
    const header = this.table.staticBytes(at, 8);
    const n = header ? Number(header.readBigUInt64LE(0)) : 0;
    if (!(n > 0 && n < 10_000)) return [];
    const records = this.table.staticBytes(at + 8, 16 * n);
    if (!records) return [];
    return Array.from({ length: n }, (_, i) => ({ off: records.readInt32LE(16 * i), ptrBytes: records.readInt32LE(16 * i + 8) }));
  }

  /** FUNCDATA_OpenCodedDeferInfo: varints deferBitsOffset and slotsOffset, both below varp. */
  private openCodedDefers(f: GoFunc): { bitsOffset: number; slotsOffset: number } | undefined {
    const at = this.table.funcdata(f, FUNCDATA_OPEN_CODED_DEFER_INFO);
    if (at === undefined) return undefined;
    const bytes = this.table.staticBytes(at, 20);
    if (!bytes) return undefined;
    let i = 0;
    const varint = () => {
      let v = 0;
      for (let shift = 1; i < bytes.length; shift *= 128) {
        const b = bytes[i++];
        v += (b & 0x7f) * shift;
        if (b < 0x80) break;
      }
      return v;
    };
    const bitsOffset = varint();
    const slotsOffset = varint();
    return { bitsOffset, slotsOffset };
  }
}
