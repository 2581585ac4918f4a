// The wait-for graph: goroutines, the objects they block on, and who could wake each
// object; the findings read from it. Plain data: JSON of the CONTRACT and more.
import type { ObjectKind } from '../../waits/types';
import type { GoroutineRow } from '../../goroutines';

export type Confidence = 'certain' | 'likely';

export interface GoroutineNode extends Omit<GoroutineRow, 'id' | 'threadId'> {
  id: string; // `g17`
  type: 'goroutine';
  goroutine: number;
  /** A timer, the network, the runtime, or a wait not understood: not blocked by the program. */
  wakesItself: boolean;
  runtimeInternal: boolean;
  /**
   * Kinds of object it may reach through variables the capture could not read (optimized
   * away): kinds, `chan:ELEM` for channels of element type ELEM (`chan:*` any). It may be a
   * waker no edge shows, so findings it could change are only likely.
   */
  mayReach?: string[];
  /** Innermost frame first, `function file:line`: the identity --group buckets by. */
  stack: string[];
  /** Set when --group merged several goroutines into this node. */
  count?: number;
  goroutines?: number[];
}

export interface ObjectNode {
  id: string; // `chan 0xc000012345`, `select g17`
  type: ObjectKind | 'select';
  address: number;
  /** The object's Go type, where some variable showed it. */
  goType: string;
  /** A package variable that reaches it: anyone can. */
  packageVariable?: string;
  /** A runtime timer sends on it (time.After, a ticker). */
  timer?: boolean;
  /** A nil channel or an empty select: nothing can ever wake it. */
  never?: boolean;
  /** Proven: nothing that may run, no package variable and no timer reaches its memory (the heap walk). */
  unreached?: boolean;
  /** Set when --group merged several objects into this node. */
  count?: number;
}

export type GraphNode = GoroutineNode | ObjectNode;

/**
 * `waits`: goroutine -> object it is blocked on; `case`: select -> one case's channel;
 * `wakes`: object -> goroutine that reaches it and so could send, receive, close, call Done,
 * Signal; `holds`: mutex -> goroutine that likely holds it (the runtime records no holder).
 */
export type EdgeType = 'waits' | 'case' | 'wakes' | 'holds';

export interface GraphEdge {
  from: string;
  to: string;
  type: EdgeType;
  confidence: Confidence;
  /** Where the reference is: `main.transfer (main.go:24) from.mu`, or how the wait was read. */
  evidence: string;
  /** Set when --group merged several edges into this one. */
  count?: number;
}

export interface WaitGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface Deadlock {
  goroutines: number[];
  objects: string[];
  confidence: Confidence;
  /** Each edge of the cycle with its evidence. */
  edges: GraphEdge[];
  /** Goroutines outside the cycle that wait only on it (they stay blocked too). */
  blockedBehind: number[];
}

export interface Leak {
  goroutine: number;
  object: string;
  reason: string;
  confidence: Confidence;
}

export interface Findings {
  deadlocks: Deadlock[];
  leaks: Leak[];
}
