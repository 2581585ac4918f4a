// A capture: every goroutine's stack at one stop, under a name. Plain data, kept for the
// kernel's lifetime and compared by the stackdiff analysis; nothing here talks to Delve.

export interface CapturedFrame {
  function: string;
  file: string;
  line: number;
  pc: number;
  /** A call the compiler inlined into the next frame (same pc as that frame). */
  inlined?: boolean;
}

export interface CapturedGoroutine {
  id: number;
  status: string;
  /** Go's own words, and only while the goroutine waits (as in Go's tracebacks). */
  waitReason: string;
  startFunction: string;
  /** `file:line` of the go statement that started it. */
  goStatement: string;
  labels: Record<string, string>;
  /** The OS thread running it, 0 when parked. */
  threadId: number;
  /** The runtime g's stack bounds: [lo, hi) is the stack memory it owns. */
  stackLo: number;
  stackHi: number;
  /** Where the stack was in use down to: sched.sp when parked, the thread's SP when running. */
  sp: number;
  /** hi - lo: the stack memory allocated (grows and shrinks by copying). */
  stackBytes: number;
  /** hi - sp: the part of it in use. */
  stackInUse: number;
  /** Innermost first; the root (runtime.goexit) last. */
  frames: CapturedFrame[];
  /** The stack is deeper than MAX_FRAMES: only the innermost MAX_FRAMES are kept. */
  truncated: boolean;
  /** Why the frames stop early (unreadable memory, an unknown pc), if they do. */
  error?: string;
}

export type CaptureMethod = 'memory' | 'delve';

export interface CaptureTarget {
  /** How the session was started: debug, exec, attach, core, connect. */
  kind: string;
  /** The session as typed (`attach 1234`, `core ./app ./core.1234`). */
  session: string;
  pid: number;
  /** The process's start time (clock ticks since boot) for a live local process: tells a restarted pid apart. */
  processStart?: number;
  goVersion?: string;
}

export interface Capture {
  name: string;
  /** ISO time the capture was taken. */
  takenAt: string;
  target: CaptureTarget;
  /** memory: g structs and stacks read in bulk, unwound and symbolized from the binary; delve: Delve's Stacktrace. */
  method: CaptureMethod;
  /** Interrupted: some goroutines' stacks are missing. */
  partial: boolean;
  /** Goroutines known to exist whose stacks were not captured (interrupted before them). */
  missing: number[];
  maxFrames: number;
  durationMs: number;
  /** Sorted by id. */
  goroutines: CapturedGoroutine[];
}

/**
 * Deeper stacks are cut here (and say so): far beyond real programs (a 2,000-frame recursion
 * is whole), but it bounds what one runaway recursion costs.
 */
export const MAX_FRAMES = 50_000;

export function frameCount(c: Capture): number {
  let n = 0;
  for (const g of c.goroutines) n += g.frames.length;
  return n;
}

/** How far a capture has got, for a progress display. */
export interface CaptureProgress {
  phase: 'goroutines' | 'stacks';
  done: number;
  total: number;
}

export interface CaptureOptions {
  /** Aborted (the interrupt button): stop soon, keep what was captured, mark it partial. */
  signal: AbortSignal;
  onProgress?: (p: CaptureProgress) => void;
  maxFrames: number;
}

/** What one capture method produced. */
export interface CapturedStacks {
  goroutines: CapturedGoroutine[];
  missing: number[];
  partial: boolean;
}

/** A capture's size in the kernel's memory, estimated from its goroutines and frames. */
export function estimatedBytes(c: Capture): number {
  return c.goroutines.reduce((sum, g) => sum + 400 + g.frames.length * 120, 0);
}
