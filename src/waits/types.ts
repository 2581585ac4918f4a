// The capture: what every goroutine waits on and who references each waited-on object,
// read from the target through Delve. Plain data; the analyses read only this.
import type { GoroutineRow } from '../goroutines';

/** The kinds of object a goroutine can block on (CONTRACT node types, less `select`). */
export type ObjectKind = 'chan' | 'mutex' | 'rwmutex' | 'waitgroup' | 'cond' | 'sema';

/**
 * How a goroutine waits:
 * - `chan`, `select`, `sync`: on objects in the program (who can wake them is analysed);
 * - `forever`: nothing can ever wake it (nil channel, empty select);
 * - `timer`: will wake by itself (sleep, timers);
 * - `external`: network, system calls: woken from outside the program;
 * - `runtime`: the runtime's own waits (GC, finalizers, preemption);
 * - `unknown`: a wait the capture does not understand (treated as able to wake);
 * - `none`: not blocked (running, runnable).
 */
export type WaitClass = 'chan' | 'select' | 'sync' | 'forever' | 'timer' | 'external' | 'runtime' | 'unknown' | 'none';

export interface Frame {
  function: string;
  file: string;
  line: number;
}

/** One object a goroutine waits on, and how that was read. */
export interface WaitedObject {
  address: number;
  kind: ObjectKind;
  /** The object's Go type where known (`chan int`, `*sync.Mutex`). */
  type: string;
  /** `send` / `receive` for a plain channel operation. */
  direction?: 'send' | 'receive';
  /** How the address was read, e.g. `g.waiting (sudog).c` or `sync.(*Mutex).Lock receiver m`. */
  evidence: string;
}

/** A goroutine as `goroutines` lists it (the target's own words), with what it waits on. */
export interface WaitingGoroutine extends Omit<GoroutineRow, 'threadId'> {
  /** Innermost first; empty when the stack was not read. */
  frames: Frame[];
  /** Started by the runtime for itself (GC workers, finalizers...). */
  runtimeInternal: boolean;
  waitClass: WaitClass;
  /** The objects of a `chan`, `select` or `sync` wait. */
  objects: WaitedObject[];
  /** Why the wait could not be read, when it could not. */
  problem?: string;
}

/** A goroutine frame's variable that reaches an object. */
export interface FrameReference {
  goroutine: number;
  address: number;
  /** Index in the goroutine's frames, and where that frame is. */
  frame: number;
  function: string;
  file: string;
  line: number;
  /** The path from the variable to the object, e.g. `to.mu`, `p.jobs`. */
  variable: string;
  /** The Go type at the end of that path (`chan int`, `*sync.Mutex`). */
  type?: string;
  /**
   * For a mutex: this goroutine holds it, proven (a pending deferred Unlock of it) or
   * likely; absent, the reference only reaches it (and is taken as a likely holder).
   */
  holder?: 'proven' | 'likely';
}

/**
 * A variable of a goroutine's frame that Delve could not read (optimized away, or not
 * described at this pc) whose type could reach objects of KINDS: the goroutine may be a
 * waker the capture cannot see.
 */
export interface BlindSpot {
  goroutine: number;
  frame: number;
  function: string;
  variable: string;
  type: string;
  /** What it could reach: object kinds, `chan:ELEM` for channels (type-reach.ts). */
  kinds: string[];
}

/** A package variable that reaches an object: anyone can reach it. */
export interface PackageReference {
  address: number;
  variable: string;
}

export interface WaitCapture {
  goroutines: WaitingGoroutine[];
  references: FrameReference[];
  packageReferences: PackageReference[];
  /** Channels a runtime timer will send on (time.After, tickers): they wake by themselves. */
  timerChannels: number[];
  /** Unreadable variables that could reach waited-on objects (optimized builds). */
  blindSpots?: BlindSpot[];
  /** Goroutines whose frames could not all be read (their references may be missing). */
  unscanned: number[];
  /** Interrupted before the capture was complete. */
  partial: boolean;
  /** Waited-on objects the heap walk proved nothing live reaches (package variables, timers, goroutines that may run). */
  unreached?: number[];
  /** Interrupted before who reaches what was known at all: no finding may be drawn from it. */
  undecided?: boolean;
  /** Notes for the user about what could not be read. */
  notes: string[];
}
