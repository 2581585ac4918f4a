// Typed calls of Delve's rpc2 server, one In/Out pair each (service/rpc2/server.go).
import { JsonRpcConnection } from './json-rpc';
import type {
  Breakpoint, DebuggerState, EvalScope, Goroutine, LoadConfig, Location, Register,
  Stackframe, Thread, Variable, VersionInfo,
} from './api';

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
export interface DisassembleIn { Scope: EvalScope; StartPC: number; EndPC: number; /** 0 Intel, 1 GNU, 2 Go */ Flavour: number }
export interface AsmInstruction { Text: string; Loc?: Location | null; DestLoc?: Location | null; PC?: number; AtPC?: boolean }
export interface CreateBreakpointIn { Breakpoint: Partial<Breakpoint> & { addrs?: number[] } }
export interface BreakpointOut { Breakpoint: Breakpoint }

/** Goroutines asked for in one ListGoroutines call. */
const GOROUTINE_PAGE = 1000;

/** Loads values the way Delve's terminal does for `print`. */
export const defaultLoadConfig: LoadConfig = {
  FollowPointers: true,
  MaxVariableRecurse: 1,
  MaxStringLen: 256,
  MaxArrayValues: 64,
  MaxStructFields: -1,
};

export class DelveClient {
  constructor(readonly rpc: JsonRpcConnection) {}

  static async connect(host: string, port: number): Promise<DelveClient> {
    const client = new DelveClient(await JsonRpcConnection.connect(host, port));
    // A server started without --api-version=2 speaks v1 and accepts v2-shaped calls silently.
    await client.rpc.call('SetApiVersion', { APIVersion: 2 });
    return client;
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
  listGoroutines(input: ListGoroutinesIn): Promise<ListGoroutinesOut> {
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
}
