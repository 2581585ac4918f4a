// Delve's service/api types, as much of them as the kernel reads (JSON names as sent).

export interface Function {
  name: string;
  value: number;
  type: number;
  goType: number;
  optimized: boolean;
}

export interface Location {
  pc: number;
  file: string;
  line: number;
  function?: Function | null;
  pcs?: number[];
}

export interface Variable {
  name: string;
  addr: number;
  onlyAddr: boolean;
  type: string;
  realType: string;
  flags: number;
  kind: number;
  value: string;
  len: number;
  cap: number;
  children: Variable[] | null;
  base: number;
  unreadable: string;
  LocationExpr?: string;
  DeclLine?: number;
}

/** Variable.flags bits. */
export const VariableFlags = {
  Escaped: 1,
  Shadowed: 2,
  Constant: 4,
  Argument: 8,
  ReturnArgument: 16,
} as const;

/** Go's reflect.Kind numbers, as Variable.kind carries them. */
export const Kind = {
  Invalid: 0, Bool: 1, Int: 2, Int8: 3, Int16: 4, Int32: 5, Int64: 6,
  Uint: 7, Uint8: 8, Uint16: 9, Uint32: 10, Uint64: 11, Uintptr: 12,
  Float32: 13, Float64: 14, Complex64: 15, Complex128: 16,
  Array: 17, Chan: 18, Func: 19, Interface: 20, Map: 21, Ptr: 22, Slice: 23,
  String: 24, Struct: 25, UnsafePointer: 26,
} as const;

export interface Breakpoint {
  id: number;
  name: string;
  addr: number;
  addrs: number[];
  file: string;
  line: number;
  functionName?: string;
  Cond: string;
  HitCond?: string;
  continue?: boolean;
  goroutine?: boolean;
  stacktrace?: number;
  hitCount: Record<string, number>;
  totalHitCount: number;
  disabled?: boolean;
  /** Set on a watchpoint (`watch`): the expression watched and how (WatchType bits). */
  WatchExpr?: string;
  WatchType?: number;
}

export interface Goroutine {
  id: number;
  currentLoc: Location;
  userCurrentLoc: Location;
  goStatementLoc: Location;
  startLoc: Location;
  threadID: number;
  status: number;
  waitSince: number;
  waitReason: number;
  unreadable: string;
  labels?: Record<string, string> | null;
}

export interface Thread {
  id: number;
  pc: number;
  file: string;
  line: number;
  function?: Function | null;
  goroutineID: number;
  breakPoint?: Breakpoint | null;
  ReturnValues?: Variable[] | null;
  CallReturn?: boolean;
}

export interface DebuggerState {
  Pid?: number;
  Running: boolean;
  CoreDumping?: boolean;
  currentThread?: Thread | null;
  currentGoroutine?: Goroutine | null;
  Threads?: Thread[] | null;
  NextInProgress?: boolean;
  exited?: boolean;
  exitStatus?: number;
  When?: string;
  /** Watchpoints on stack variables whose frame ended during the run: Delve cleared them. */
  WatchOutOfScope?: Breakpoint[] | null;
}

export interface Stackframe extends Location {
  Locals: Variable[] | null;
  Arguments: Variable[] | null;
  FrameOffset: number;
  FramePointerOffset: number;
  Defers?: unknown[] | null;
  Bottom?: boolean;
  Err: string;
}

export interface LoadConfig {
  FollowPointers: boolean;
  MaxVariableRecurse: number;
  MaxStringLen: number;
  MaxArrayValues: number;
  MaxStructFields: number;
}

export interface EvalScope {
  GoroutineID: number;
  Frame: number;
  DeferredCall?: number;
}

export interface Register {
  Name: string;
  Value: string;
  DwarfNumber: number;
}

export interface VersionInfo {
  DelveVersion: string;
  APIVersion: number;
  Backend: string;
  TargetGoVersion?: string;
  MinSupportedVersionOfGo?: string;
  MaxSupportedVersionOfGo?: string;
}

/** api.GoroutineField: which field of a goroutine a ListGoroutines filter or grouping reads. */
export const GoroutineField = {
  None: 0,
  CurrentLoc: 1,
  UserLoc: 2,
  GoLoc: 3,
  StartLoc: 4,
  Label: 5,
  Running: 6,
  User: 7,
  /** Only in Filters: the goroutines waiting on the channel Arg evaluates to (in EvalScope). */
  WaitingOnChannel: 8,
} as const;
export type GoroutineFieldValue = (typeof GoroutineField)[keyof typeof GoroutineField];

/** api.ListGoroutinesFilter: Arg is a substring of `file:line in function`, a label `key[=value]` or a channel expression. */
export interface ListGoroutinesFilter {
  Kind: GoroutineFieldValue;
  Negated: boolean;
  Arg: string;
}

/** api.GoroutineGroup: its members are Goroutines[Offset, Offset+Count) of the same answer; Total counts them all. */
export interface GoroutineGroup {
  Name: string;
  Offset: number;
  Count: number;
  Total: number;
}

/** api.GoroutineGroupingOptions (embedded in ListGoroutinesIn: its fields sit at the top level). */
export interface GoroutineGroupingOptions {
  GroupBy: GoroutineFieldValue;
  GroupByKey: string;
  MaxGroupMembers: number;
  /** 0: no limit. */
  MaxGroups: number;
}

/** api.WatchType bits: what a watchpoint stops on. */
export const WatchType = { Read: 1, Write: 2 } as const;

/** api.DumpState: how far DumpStart's core dump has got (DumpWait). */
export interface DumpState {
  Dumping: boolean;
  AllDone: boolean;
  ThreadsDone: number;
  ThreadsTotal: number;
  MemDone: number;
  MemTotal: number;
  Err: string;
}

/** api.TypeInfo (Delve 1.27's TypeInfo call, for `whatis TYPE`). */
export interface TypeInfo {
  Kind: number;
  Size: number;
  RealType: string;
  Fields: { Name: string; Type: string }[] | null;
  Methods: { Name: string }[] | null;
}
