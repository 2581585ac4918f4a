// What the goroutine-graph benchmarks share (bench/goroutine-graph.ts,
// bench/goroutine-graph-scale.ts): the example targets, started and always killed; cells
// timed with the phases their progress display showed; the bench process's peak memory.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { MimeBundle } from '../kernel/interpreter';
import type { DelveInterpreter } from '../src/interpreter';
import { benchToolchain, buildExample, type Toolchain } from '../test/helpers/go';
import { RecordingContext } from '../test/helpers/recording-context';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
export const n = (x: number) => x.toLocaleString('en-US');

// ---- targets ----

const started = new Set<ChildProcess>();
function killStarted(): void {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
process.on('exit', killStarted);
// Ctrl-C: kill the targets now (the pending cells then fail and their finally blocks shut
// the kernel down, detaching); a second Ctrl-C exits at once.
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`${sig}: killing the targets`);
    killStarted();
  });
}

/** The example built as users build theirs, a plain optimized `go build`, by BENCH_GO's release. */
export function optimizedExample(name: string): { binary: string; toolchain: Toolchain } {
  const toolchain = benchToolchain();
  return { binary: buildExample(name, toolchain, { optimized: true }), toolchain };
}

export interface Target {
  pid: number;
  /** SIGKILLs it (idempotent); also done at the bench's exit. */
  kill(): Promise<void>;
}

/** Starts BINARY ARGS and waits for it to print "ready". */
export async function startTarget(binary: string, args: string[], timeoutMs = 600_000): Promise<Target> {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  started.add(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    started.delete(child);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${binary} ${args.join(' ')}: not ready after ${timeoutMs / 1000} s`)), timeoutMs);
      child.stdout!.on('data', (d) => {
        out = (out + d).slice(-100);
        if (out.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${binary} exited (${code ?? signal}) before it was ready`));
      });
    });
  } catch (err) {
    await kill();
    throw err;
  }
  child.stdout!.resume(); // keep draining whatever it prints later
  return { pid: child.pid!, kill };
}

// ---- cells ----

/** A RecordingContext that also notes when each progress step was shown (ms from the cell's start). */
export class TimedContext extends RecordingContext {
  readonly t0 = performance.now();
  steps: { ms: number; text: string }[] = [];
  private note(data: MimeBundle): void {
    this.steps.push({ ms: performance.now() - this.t0, text: String(data['text/plain'] ?? '').split('\n')[0] });
  }
  override display(data: MimeBundle, metadata?: Record<string, unknown>, displayId?: string): void {
    this.note(data);
    super.display(data, metadata, displayId);
  }
  override updateDisplay(displayId: string, data: MimeBundle): void {
    this.note(data);
    super.updateDisplay(displayId, data);
  }
  /**
   * The steps shown, each with how long until the next one (the last: until the cell ended).
   * The progress display shows at most one step per 200 ms, so a step that came less than
   * 200 ms after the one before is not seen, and its time is counted to the one before it.
   */
  timeline(endMs: number): string[] {
    return this.steps.map((s, i) => {
      const until = i + 1 < this.steps.length ? this.steps[i + 1].ms : endMs;
      return `${seconds(s.ms).padStart(8)} +${seconds(until - s.ms).padEnd(8)} ${s.text}`;
    });
  }
}

export interface Cell {
  ms: number;
  data: MimeBundle;
  cx: TimedContext;
}

/** Runs LINE as a cell (`attach PID`); fails unless it succeeds. */
export async function ok(it: DelveInterpreter, line: string): Promise<void> {
  const outcome = await it.execute(line, new RecordingContext());
  if (outcome.status !== 'ok') throw new Error(`${line}: ${outcome.evalue}`);
}

/** Runs LINE as a cell; fails unless it succeeds with a result. */
export async function cell(it: DelveInterpreter, line: string): Promise<Cell> {
  const cx = new TimedContext();
  const outcome = await it.execute(line, cx);
  const ms = performance.now() - cx.t0;
  if (outcome.status !== 'ok') throw new Error(`${line}: ${outcome.evalue}`);
  if (!outcome.result) throw new Error(`${line}: no result`);
  return { ms, data: outcome.result.data, cx };
}

export interface GraphJson {
  nodes: unknown[];
  deadlocks: unknown[];
  leaks: unknown[];
  findings: unknown[];
  grouped: boolean;
  partial: boolean;
  notes: string[];
}

export interface GraphCell extends Cell {
  json: GraphJson;
  /** How many goroutines it read (its progress display's last word), the runtime's own included. */
  goroutinesRead: number;
  /** The first line of its text: goroutines, blocked, deadlocks, leaks, nodes drawn. */
  summary: string;
}

/** `goroutine-graph`, checked complete. */
export async function graphCell(it: DelveInterpreter, line = 'goroutine-graph'): Promise<GraphCell> {
  const c = await cell(it, line);
  const json = c.data['application/json'] as unknown as GraphJson;
  if (!json || !Array.isArray(json.nodes)) throw new Error(`${line}: no goroutine-graph JSON`);
  if (json.partial) throw new Error(`${line}: partial result`);
  const last = c.cx.steps.at(-1)?.text ?? '';
  const read = /(\d+) goroutines read/.exec(last);
  return { ...c, json, goroutinesRead: read ? Number(read[1]) : NaN, summary: String(c.data['text/plain']).split('\n')[0] };
}

// ---- memory ----

function statusKiB(field: string, pid: number | 'self' = 'self'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

export interface PeakMemory {
  /** RSS when the work began. */
  beforeBytes: number;
  /** The highest process.memoryUsage.rss() seen, sampled every 50 ms. */
  sampledPeakBytes: number;
  /** VmHWM after the work, the high-water mark reset just before it (clear_refs 5). */
  hwmBytes: number;
  /** Whether the reset worked (else hwmBytes is the process's lifetime peak). */
  hwmReset: boolean;
  /** What V8 held before and at the sampled peak: its heap in use, and memory outside it (Buffers, typed arrays). */
  before: { heapUsed: number; external: number };
  atPeak: { heapUsed: number; external: number };
}

/** Runs WORK while watching this process's resident memory. */
export async function watchMemory<T>(work: () => Promise<T>): Promise<{ value: T; memory: PeakMemory }> {
  let hwmReset = true;
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
  } catch {
    hwmReset = false;
  }
  const usage = () => {
    const u = process.memoryUsage();
    return { rss: u.rss, heapUsed: u.heapUsed, external: u.external };
  };
  const before = usage();
  let peak = before;
  const sample = () => {
    const u = usage();
    if (u.rss > peak.rss) peak = u;
  };
  const timer = setInterval(sample, 50);
  try {
    const value = await work();
    sample();
    return {
      value,
      memory: {
        beforeBytes: before.rss, sampledPeakBytes: peak.rss, hwmBytes: statusKiB('VmHWM') * 1024, hwmReset,
        before: { heapUsed: before.heapUsed, external: before.external }, atPeak: { heapUsed: peak.heapUsed, external: peak.external },
      },
    };
  } finally {
    clearInterval(timer);
  }
}

/** A full garbage collection now (for a reading of what is retained), where V8 allows it. */
export function collectGarbage(): boolean {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('typeof gc === "function" ? gc : undefined') as (() => void) | undefined;
  gc?.();
  return gc !== undefined;
}

/** RSS and V8's heap in use after a full collection: what the process keeps. */
export function retained(): { rss: number; heapUsed: number; external: number } | undefined {
  if (!collectGarbage()) return undefined;
  const u = process.memoryUsage();
  return { rss: u.rss, heapUsed: u.heapUsed, external: u.external };
}

/** VmHWM of PID (its lifetime peak RSS), in bytes. */
export function peakRssOf(pid: number): number {
  return statusKiB('VmHWM', pid) * 1024;
}
