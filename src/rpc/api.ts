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
