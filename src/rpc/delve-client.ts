// Typed calls of Delve's rpc2 server, one In/Out pair each (service/rpc2/server.go).
import { DelveConnection } from './json-rpc';
import type {
  Breakpoint, DebuggerState, DumpState, EvalScope, Goroutine, GoroutineGroup, GoroutineGroupingOptions,
  ListGoroutinesFilter, LoadConfig, Location, Register, Stackframe, Thread, TypeInfo, Variable, VersionInfo,
} from './api';
import { GoroutineField } from './api';

export interface ListGoroutinesIn { Start: number; Count: number }
export interface ListGoroutinesOut { Goroutines: Goroutine[]; Nextg: number }
export interface StacktraceIn { Id: number; Depth: number; Full?: boolean; Defers?: boolean; Opts?: number; Cfg?: LoadConfig | null }
export interface StacktraceOut { Locations: Stackframe[] }
export interface EvalIn { Scope: EvalScope; Expr: string; Cfg?: LoadConfig | null }
export interface EvalOut { Variable: Variable }
export interface CommandIn {
  name: 'continue' | 'next' | 'step' | 'stepOut' | 'halt' | 'call' | 'switchGoroutine' | 'switchThread' | 'rewind';
  goroutineID?: number;
  threadID?: number;
  Expr?: string;
  UnsafeCall?: boolean;
  ReturnInfoLoadConfig?: LoadConfig | null;
}
export interface CommandOut { State: DebuggerState }
export interface FindLocationIn { Scope: EvalScope; Loc: string; IncludeNonExecutableLines?: boolean }
export interface FindLocationOut { Locations: Location[] }
export interface DisassembleIn { Scope: EvalScope; StartPC: number; EndPC: number; /** api.AssemblyFlavour: 0 GNU, 1 Intel, 2 Go */ Flavour: number }
export interface AsmInstruction { Text: string; Loc?: Location | null; DestLoc?: Location | null; PC?: number; AtPC?: boolean; /** base64, as Go encodes []byte */ Bytes?: string | null; /** a breakpoint is set here */ Breakpoint?: boolean }
export interface CreateBreakpointIn { Breakpoint: Partial<Breakpoint> & { addrs?: number[] } }
export interface BreakpointOut { Breakpoint: Breakpoint }

/** Goroutines asked for in one ListGoroutines call. */
const GOROUTINE_PAGE = 1000;
/** A channel's waiters asked for in one ListGoroutines call (see listAllGoroutinesWith). */
const CHANNEL_WAITERS = 10_000_000;

/** Loads values the way Delve's terminal does for `print`. */
export const defaultLoadConfig: LoadConfig = {
  FollowPointers: true,
  MaxVariableRecurse: 1,
  MaxStringLen: 256,
  MaxArrayValues: 64,
  MaxStructFields: -1,
};

export class DelveClient {
  constructor(readonly rpc: DelveConnection) {}

  /** A client whose connection is made anew when a call times out (DelveConnection). */
  static async connect(host: string, port: number): Promise<DelveClient> {
    // A server started without --api-version=2 speaks v1 and accepts v2-shaped calls silently:
    // each new connection says which it speaks.
    return new DelveClient(await DelveConnection.connect(host, port, (conn, timeoutMs) => conn.call('SetApiVersion', { APIVersion: 2 }, timeoutMs)));
  }

  close(): void {
    this.rpc.close();
  }

  getVersion(): Promise<VersionInfo> {
    return this.rpc.call('GetVersion', {});
  }
  async state(nonBlocking = false): Promise<DebuggerState> {
    return (await this.rpc.call<{ State: DebuggerState }>('State', { NonBlocking: nonBlocking })).State;
  }
  /** continue/next/step/stepOut wait until the target stops: no timeout. */
  async command(input: CommandIn): Promise<DebuggerState> {
    return (await this.rpc.call<CommandOut>('Command', input, 0)).State;
  }
  /** One page; with Filters and grouping options, Delve filters and groups it. */
  listGoroutines(input: ListGoroutinesWithIn): Promise<ListGoroutinesWithOut> {
    return this.rpc.call('ListGoroutines', input, 120_000);
  }
  /** Every goroutine, a page at a time; stops early (partial) when SIGNAL aborts. */
  async listAllGoroutines(opts: { signal?: AbortSignal; onPage?(listed: number, more: boolean): void } = {}): Promise<{ goroutines: Goroutine[]; partial: boolean }> {
    const goroutines: Goroutine[] = [];
    for (let start = 0; ; ) {
      if (opts.signal?.aborted) return { goroutines, partial: true };
      const page = await this.listGoroutines({ Start: start, Count: GOROUTINE_PAGE });
      goroutines.push(...(page.Goroutines ?? []));
      const more = page.Nextg >= 0 && (page.Goroutines?.length ?? 0) > 0;
      opts.onPage?.(goroutines.length, more);
      if (!more) return { goroutines, partial: false };
      start = page.Nextg;
    }
  }
  /**
   * The goroutines FILTERS let through, a page at a time (Delve filters and groups each page:
   * a channel filter pages through the channel's waiters). With GROUP, the pages' groups merged
   * by name (sorted as Delve sorts them): totals added, the first MAXMEMBERS members kept.
   * Stops early (partial) when SIGNAL aborts.
   */
  async listAllGoroutinesWith(opts: {
    filters: ListGoroutinesFilter[];
    group?: { by: GoroutineGroupingOptions['GroupBy']; key?: string; maxMembers: number };
    scope?: EvalScope;
    signal?: AbortSignal;
    onPage?(listed: number, more: boolean): void;
  }): Promise<GoroutinesWith> {
    const goroutines: Goroutine[] = [];
    const groups = new Map<string, MergedGoroutineGroup>();
    let tooManyGroups = false;
    let listed = 0;
    const done = (partial: boolean): GoroutinesWith => ({
      goroutines,
      groups: opts.group ? [...groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) : undefined,
      tooManyGroups,
      partial,
    });
    // A channel's waiters come in one call: Delve 1.27 returns Count+1 of them when there are
    // more and then says there are none (Nextg -1), which its other filters hide from us.
    const count = opts.filters.some((f) => f.Kind === GoroutineField.WaitingOnChannel) ? CHANNEL_WAITERS : GOROUTINE_PAGE;
    for (let start = 0; ; ) {
      if (opts.signal?.aborted) return done(true);
      const page = await this.listGoroutines({
        Start: start, Count: count, Filters: opts.filters, EvalScope: opts.scope,
        // A page holds at most COUNT groups: none is dropped, so merged totals are whole.
        ...(opts.group ? { GroupBy: opts.group.by, GroupByKey: opts.group.key ?? '', MaxGroupMembers: Math.min(opts.group.maxMembers, count), MaxGroups: count } : {}),
      });
      const gs = page.Goroutines ?? [];
      if (opts.group) {
        tooManyGroups ||= !!page.TooManyGroups;
        for (const g of page.Groups ?? []) {
          let merged = groups.get(g.Name);
          if (!merged) groups.set(g.Name, (merged = { name: g.Name, total: 0, members: [] }));
          merged.total += g.Total;
          listed += g.Total;
          for (const member of gs.slice(g.Offset, g.Offset + g.Count)) if (merged.members.length < opts.group.maxMembers) merged.members.push(member);
        }
      } else {
        goroutines.push(...gs);
        listed = goroutines.length;
      }
      // A filtered page may be empty while more follow; Nextg only ever moves on.
      const more = page.Nextg >= 0 && page.Nextg > start;
      opts.onPage?.(listed, more);
      if (!more) return done(false);
      start = page.Nextg;
    }
  }
  async stacktrace(input: StacktraceIn): Promise<Stackframe[]> {
    return (await this.rpc.call<StacktraceOut>('Stacktrace', input)).Locations ?? [];
  }
  async eval(input: EvalIn): Promise<Variable> {
    return (await this.rpc.call<EvalOut>('Eval', input)).Variable;
  }
  async findLocation(input: FindLocationIn): Promise<Location[]> {
    return (await this.rpc.call<FindLocationOut>('FindLocation', input)).Locations ?? [];
  }
  async createBreakpoint(input: CreateBreakpointIn): Promise<Breakpoint> {
    return (await this.rpc.call<BreakpointOut>('CreateBreakpoint', input)).Breakpoint;
  }
  async clearBreakpoint(input: { Id?: number; Name?: string }): Promise<Breakpoint> {
    return (await this.rpc.call<BreakpointOut>('ClearBreakpoint', input)).Breakpoint;
  }
  async listBreakpoints(): Promise<Breakpoint[]> {
    return (await this.rpc.call<{ Breakpoints: Breakpoint[] }>('ListBreakpoints', { All: false })).Breakpoints ?? [];
  }
  async listLocalVars(input: { Scope: EvalScope; Cfg: LoadConfig }): Promise<Variable[]> {
    return (await this.rpc.call<{ Variables: Variable[] }>('ListLocalVars', input)).Variables ?? [];
  }
  async listFunctionArgs(input: { Scope: EvalScope; Cfg: LoadConfig }): Promise<Variable[]> {
    return (await this.rpc.call<{ Args: Variable[] }>('ListFunctionArgs', input)).Args ?? [];
  }
  async listPackageVars(input: { Filter: string; Cfg: LoadConfig }): Promise<Variable[]> {
    return (await this.rpc.call<{ Variables: Variable[] }>('ListPackageVars', input)).Variables ?? [];
  }
  async listFunctions(input: { Filter: string }): Promise<string[]> {
    return (await this.rpc.call<{ Funcs: string[] }>('ListFunctions', input)).Funcs ?? [];
  }
  async listTypes(input: { Filter: string }): Promise<string[]> {
    return (await this.rpc.call<{ Types: string[] }>('ListTypes', input)).Types ?? [];
  }
  async listSources(input: { Filter: string }): Promise<string[]> {
    return (await this.rpc.call<{ Sources: string[] }>('ListSources', input)).Sources ?? [];
  }
  async listThreads(): Promise<Thread[]> {
    return (await this.rpc.call<{ Threads: Thread[] }>('ListThreads', {})).Threads ?? [];
  }
  async listRegisters(input: { ThreadID: number; IncludeFp: boolean; Scope?: EvalScope }): Promise<Register[]> {
    return (await this.rpc.call<{ Regs: Register[] }>('ListRegisters', input)).Regs ?? [];
  }
  async examineMemory(input: { Address: number; Length: number }): Promise<Buffer> {
    const out = await this.rpc.call<{ Mem: string | null }>('ExamineMemory', input);
    return Buffer.from(out.Mem ?? '', 'base64');
  }
  async disassemble(input: DisassembleIn): Promise<AsmInstruction[]> {
    return (await this.rpc.call<{ Disassemble: AsmInstruction[] | null }>('Disassemble', input)).Disassemble ?? [];
  }
  async processPid(): Promise<number> {
    return (await this.rpc.call<{ Pid: number }>('ProcessPid', {})).Pid;
  }
  async detach(kill: boolean): Promise<void> {
    await this.rpc.call('Detach', { Kill: kill }, 10_000);
  }
  async restart(): Promise<void> {
    await this.rpc.call('Restart', { Position: '', ResetArgs: false, NewArgs: [], Rerecord: false, Rebuild: false }, 60_000);
  }
  /** `set`: Delve assigns VALUE to SYMBOL in SCOPE (numbers, pointers, and what Delve 1.27 also takes). */
  async set(input: { Scope: EvalScope; Symbol: string; Value: string }): Promise<void> {
    await this.rpc.call('Set', input);
  }
  /** A hardware watchpoint; the answer is the api.Breakpoint itself (CreateWatchpointOut embeds it). */
  async createWatchpoint(input: { Scope: EvalScope; Expr: string; Type: number }): Promise<Breakpoint> {
    return this.rpc.call<Breakpoint>('CreateWatchpoint', input);
  }
  async dumpStart(destination: string): Promise<DumpState> {
    return (await this.rpc.call<{ State: DumpState }>('DumpStart', { Destination: destination })).State;
  }
  /** Waits up to WAITMS for the dump to end (0: answers at once). */
  async dumpWait(waitMs: number): Promise<DumpState> {
    return (await this.rpc.call<{ State: DumpState }>('DumpWait', { Wait: waitMs }, waitMs + 30_000)).State;
  }
  async dumpCancel(): Promise<void> {
    await this.rpc.call('DumpCancel', {});
  }
  async typeInfo(name: string): Promise<TypeInfo | null> {
    return (await this.rpc.call<{ TypeInfo: TypeInfo | null }>('TypeInfo', { Name: name })).TypeInfo;
  }
}

/** ListGoroutinesIn with rpc2's Filters, grouping options (embedded: top-level fields) and the scope a channel filter is evaluated in. */
export interface ListGoroutinesWithIn extends ListGoroutinesIn, Partial<GoroutineGroupingOptions> {
  Filters?: ListGoroutinesFilter[];
  EvalScope?: EvalScope;
}
export interface ListGoroutinesWithOut extends ListGoroutinesOut {
  Groups?: GoroutineGroup[] | null;
  TooManyGroups?: boolean;
}
/** A group over every page: its name (Delve's), how many goroutines it has, the first few of them. */
export interface MergedGoroutineGroup { name: string; total: number; members: Goroutine[] }
export interface GoroutinesWith {
  /** Ungrouped: the goroutines let through. Grouped: empty (the members are in groups). */
  goroutines: Goroutine[];
  groups?: MergedGoroutineGroup[];
  tooManyGroups: boolean;
  partial: boolean;
}
