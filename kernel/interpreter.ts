// The one interface between the Jupyter side (kernel/) and a language (src/), after xeus.
// kernel/ speaks the wire protocol and calls these methods; it knows nothing of Delve.
// Offsets here are JavaScript string offsets (UTF-16); kernel/ converts Jupyter's code points.

/** A MIME bundle: mime type -> data (string, or JSON for +json types). */
export type MimeBundle = Record<string, unknown>;

/** Where one execute request's output goes, while it runs. */
export interface ExecuteContext {
  /** Text on the cell's stdout or stderr (stream message). */
  stream(name: 'stdout' | 'stderr', text: string): void;
  /** A result shown now (display_data). With displayId, updateDisplay can replace it later. */
  display(data: MimeBundle, metadata?: Record<string, unknown>, displayId?: string): void;
  /** Replaces what an earlier display with this displayId showed (update_display_data). */
  updateDisplay(displayId: string, data: MimeBundle, metadata?: Record<string, unknown>): void;
}

export type ExecuteOutcome =
  | { status: 'ok'; result?: { data: MimeBundle; metadata?: Record<string, unknown> } }
  | { status: 'error'; ename: string; evalue: string; traceback: string[] };

export interface CompleteOutcome {
  matches: string[];
  cursorStart: number;
  cursorEnd: number;
  metadata?: Record<string, unknown>;
}

export interface InspectOutcome {
  found: boolean;
  data: MimeBundle;
}

export interface IsCompleteOutcome {
  status: 'complete' | 'incomplete' | 'invalid' | 'unknown';
  indent?: string;
}

export interface LanguageInfo {
  name: string;
  version: string;
  mimetype: string;
  file_extension: string;
  pygments_lexer?: string;
  codemirror_mode?: string;
}

export interface KernelInfo {
  implementation: string;
  implementation_version: string;
  language_info: LanguageInfo;
  banner: string;
  help_links: { text: string; url: string }[];
}

/** Output that arrives while no request runs (a target printing between cells). */
export interface IdleOutput {
  stream(name: 'stdout' | 'stderr', text: string): void;
}

export interface Interpreter {
  kernelInfo(): Promise<KernelInfo>;
  execute(code: string, ctx: ExecuteContext): Promise<ExecuteOutcome>;
  complete(code: string, cursorPos: number): Promise<CompleteOutcome>;
  inspect(code: string, cursorPos: number, detailLevel: number): Promise<InspectOutcome>;
  isComplete(code: string): Promise<IsCompleteOutcome>;
  /** The user pressed interrupt: stop what the running execute does, keep the session. */
  interrupt(): void;
  /** Release everything the interpreter started (kill launched processes, detach attached ones). */
  shutdown(restart: boolean): Promise<void>;
}

/** kernel/main builds the interpreter through this, so kernel/ never imports src/ by name. */
export type InterpreterFactory = (idle: IdleOutput) => Interpreter;
