// The Go team's goroutine-leak corpus (runtime/testdata/testgoroutineleakprofile and its
// goker/ programs), run side by side: Go's own goroutineleak profile against the kernel's
// goroutine-graph, live at the profile's WriteTo and again on a core dumped there.
//
// The cases and the leaks each must show are read at run time from the toolchain's
// GOROOT (src/runtime/goroutineleakprofile_test.go); nothing of the corpus is copied here.
//
//   node dist/bench/leak-corpus.js
//     BENCH_GO=go1.27.4      toolchain (GOTOOLCHAIN name); the corpus ships from Go 1.26 on
//     BENCH_FLAKY=1          also run the makeFlakyTest cases
//     BENCH_CASES=REGEX      only the cases whose name matches
//     BENCH_TIMEOUT_S=60     a run without Delve, a live session, a core session: each is
//                            recorded as a timeout and killed past this
//
// Each case runs once (the Go test repeats non-flaky cases twice, flaky ones 10 times):
// figures for flaky cases are one sample. The runtime run and the Delve run are separate
// processes, so their goroutines are compared as `function() [wait reason]` multisets, not
// by id. The kernel stops at the first WriteTo call: for SpawnGC that is a leaf's profile
// (to io.Discard), earlier than the root's the runtime prints. Always exits 0: read the table.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MimeBundle } from '../kernel/interpreter';
import { DelveInterpreter } from '../src/interpreter';
import { run } from '../test/helpers/cells';
import { processesMatching } from '../test/helpers/go';

const RELEASE = process.env.BENCH_GO ?? 'go1.27.4';
const WITH_FLAKY = process.env.BENCH_FLAKY === '1';
const ONLY = process.env.BENCH_CASES ? new RegExp(process.env.BENCH_CASES) : undefined;
const PHASE_TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 60) * 1000;
const BREAK_AT = 'runtime/pprof.(*Profile).WriteTo';

// ---------------------------------------------------------------------------------------
// The corpus, from the toolchain

interface Toolchain { go: string; goroot: string; version: string; minor: number }

function toolchain(): Toolchain {
  const goroot = execFileSync('go', ['env', 'GOROOT'], { env: { ...process.env, GOTOOLCHAIN: RELEASE, GOFLAGS: '' }, encoding: 'utf8' }).trim();
  const go = path.join(goroot, 'bin', 'go');
  const version = execFileSync(go, ['env', 'GOVERSION'], { env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '' }, encoding: 'utf8' }).trim();
  // A GOTOOLCHAIN older than the go command's own is silently not honoured: say so rather than bench the wrong Go.
  if (!version.startsWith(RELEASE)) throw new Error(`asked for ${RELEASE}, \`go env GOROOT\` gave ${goroot} (${version})`);
  return { go, goroot, version, minor: Number(/^go1\.(\d+)/.exec(version)![1]) };
}

type Program = 'testgoroutineleakprofile' | 'goker';

interface Case {
  name: string;
  program: Program;
  /** makeTest: its leaks must all show, and it runs with GOMAXPROCS=1. */
  simple: boolean;
  /** The leak regexes (flaky ones for a makeFlakyTest case), as written in the test. */
  patterns: string[];
}

/** Go source without comments; strings (backquoted ones included) kept as they are. */
function withoutComments(src: string): string {
  let out = '';
  for (let i = 0; i < src.length;) {
    const c = src[i];
    if (c === '`' || c === '"') {
      // A backquoted string has no escapes; a double-quoted one has backslash escapes.
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += c === '"' && src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else if (src.startsWith('//', i)) {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? src.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

interface Corpus {
  cases: Case[];
  /** The env the Go test runs every case with (cmdEnv), and what a simple case adds. */
  env: string[];
  simpleEnv: string[];
}

function readCorpus(goroot: string): Corpus {
  const src = withoutComments(fs.readFileSync(path.join(goroot, 'src/runtime/goroutineleakprofile_test.go'), 'utf8'));
  const quoted = (s: string) => [...s.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  const envBlock = /cmdEnv := \[\]string\{([^}]*)\}/.exec(src);
  const simpleBlock = /if tcase\.simple \{([^}]*)\}/.exec(src);
  if (!envBlock || !simpleBlock) throw new Error('goroutineleakprofile_test.go: cannot find cmdEnv or its GOMAXPROCS=1 branch');
  const env = quoted(envBlock[1]);
  const simpleEnv = quoted([...simpleBlock[1].matchAll(/append\(cmdEnv,([^)]*)\)/g)].map((m) => m[1]).join(','));

  // Each `NAME := []testCase{ ... }` list; gokerTestCases is the goker program's, the rest
  // (microTests, stressTestCases, patternTestCases) the testgoroutineleakprofile program's.
  const cases: Case[] = [];
  const lists = [...src.matchAll(/(\w+) := \[\]testCase\{/g)];
  for (const [i, list] of lists.entries()) {
    const body = src.slice(list.index! + list[0].length, i + 1 < lists.length ? lists[i + 1].index : src.indexOf('runTests :='));
    const program: Program = list[1] === 'gokerTestCases' ? 'goker' : 'testgoroutineleakprofile';
    for (const m of body.matchAll(/make(Flaky)?Test\(\s*"([^"]+)"((?:\s*,\s*`[^`]*`)*)\s*,?\s*\)/g)) {
      cases.push({ name: m[2], program, simple: !m[1], patterns: [...m[3].matchAll(/`([^`]*)`/g)].map((p) => p[1]) });
    }
  }
  if (!cases.some((c) => c.program === 'goker') || !cases.some((c) => c.program !== 'goker')) throw new Error('goroutineleakprofile_test.go: did not find both case lists');
  return { cases, env, simpleEnv };
}

/** Both programs built as a plain (optimized) `go build` would, from a copy in DIR with a module of its own. */
function buildPrograms(tc: Toolchain, corpus: Corpus, dir: string): Record<Program, string> {
  const from = path.join(tc.goroot, 'src/runtime/testdata/testgoroutineleakprofile');
  const copy = (src: string, dst: string) => {
    fs.mkdirSync(dst, { recursive: true });
    for (const e of fs.readdirSync(src, { withFileTypes: true })) {
      if (e.isDirectory()) copy(path.join(src, e.name), path.join(dst, e.name));
      else fs.writeFileSync(path.join(dst, e.name), fs.readFileSync(path.join(src, e.name))); // not copyFile: GOROOT's files are read-only
    }
  };
  const srcDir = path.join(dir, 'src');
  copy(from, srcDir);
  fs.writeFileSync(path.join(srcDir, 'go.mod'), `module leakcorpus\n\ngo 1.${tc.minor}\n`);
  // GOEXPERIMENT in the test's cmdEnv (Go 1.26: goroutineleakprofile) matters when building.
  const experiment = corpus.env.filter((e) => e.startsWith('GOEXPERIMENT='));
  const env = { ...process.env, GOFLAGS: '', GOTOOLCHAIN: 'local', ...Object.fromEntries(experiment.map((e) => e.split(/=(.*)/s).slice(0, 2))) };
  const out: Record<Program, string> = { testgoroutineleakprofile: path.join(dir, 'testgoroutineleakprofile'), goker: path.join(dir, 'goker') };
  execFileSync(tc.go, ['build', '-o', out.testgoroutineleakprofile, '.'], { cwd: srcDir, env, stdio: ['ignore', 'inherit', 'inherit'] });
  execFileSync(tc.go, ['build', '-o', out.goker, './goker'], { cwd: srcDir, env, stdio: ['ignore', 'inherit', 'inherit'] });
  return out;
}

function caseEnv(corpus: Corpus, c: Case): Record<string, string> {
  const pairs = [...corpus.env, ...(c.simple ? corpus.simpleEnv : [])].map((e) => e.split(/=(.*)/s).slice(0, 2) as [string, string]);
  return Object.fromEntries(pairs);
}

// ---------------------------------------------------------------------------------------
// Go's runtime: the goroutineleak profile the program prints

/** The Go test's extractLeaks, line for line: `NilRecv.func1() [chan receive (nil chan)]`. */
function extractLeaks(output: string): string[] {
  const leaks: string[] = [];
  for (const stack of output.split('\n\ngoroutine')) {
    const lines = stack.split('\n');
    if (lines.length < 5) continue;
    if (!lines[0].includes('(leaked)')) continue;
    const waitReason = lines[0].replace(/goroutine \d+ \[/g, '[').replaceAll(' (leaked)', '');
    let funcName = '';
    for (let i = lines.length - 1; i >= 0; i--) {
      if (lines[i].includes('created by')) {
        funcName = (lines[i - 2] ?? '').replace(/^main\./, '');
        break;
      }
    }
    if (funcName === '') throw new Error(`failed to extract function name from stack trace: ${lines.join('\n')}`);
    leaks.push(funcName + ' ' + waitReason);
  }
  return leaks;
}

interface RuntimeRun { leaks: string[]; exit: string; ms: number; timedOut: boolean }

/** `BIN CASE` without Delve, stdout and stderr together as the Go test's CombinedOutput. */
function runtimeRun(bin: string, c: Case, env: Record<string, string>): Promise<RuntimeRun> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(bin, [c.name], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, PHASE_TIMEOUT_MS);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ leaks: extractLeaks(out + '\n\n'), exit: signal ? `signal ${signal}` : `exit ${code}`, ms: performance.now() - t0, timedOut });
    });
  });
}

// ---------------------------------------------------------------------------------------
// The kernel: goroutine-graph at the profile's WriteTo, live and on a core

interface Flag { goroutine: number; leak: string; why: string }

interface GraphNode { type: string; goroutine: number; goroutines?: number[]; waitReason: string; stack: string[] }
interface GraphJson {
  nodes: GraphNode[];
  deadlocks: { goroutines: number[]; blockedBehind: number[]; confidence: string }[];
  leaks: { goroutine: number; reason: string; confidence: string }[];
  partial: boolean;
}

interface GraphRun { flags: Flag[]; ms: number; notes: string[] }

interface KernelRun {
  live?: GraphRun;
  core?: GraphRun;
  /** Why live or core has no answer: the stop was missed, a cell failed, a timeout. */
  problems: string[];
}

/** A cell's result bundle; its error as an Error. */
async function cell(it: DelveInterpreter, code: string): Promise<MimeBundle> {
  const { outcome, data } = await run(it, code);
  if (outcome.status !== 'ok') throw new Error(`\`${code}\`: ${outcome.ename}: ${outcome.evalue}`);
  return data;
}

/**
 * Whether Go's traceback prints this frame (runtime.showfuncinfo at GOTRACEBACK=single):
 * not compiler wrappers (`go f(x)`'s F.gowrap1, method values' M-fm, <autogenerated>), not
 * the runtime's unexported functions (runtime.goexit, runtime.main).
 */
function tracebackShows(frame: string): boolean {
  const [fn, file = ''] = frame.split(' ');
  if (/\.gowrap\d+$/.test(fn) || /-fm$/.test(fn) || file.startsWith('<autogenerated>')) return false;
  return fn.includes('.') && (!fn.startsWith('runtime.') || /^runtime\.[A-Z]/.test(fn));
}

/**
 * The corpus's string for one goroutine, as extractLeaks reads it off a traceback: the
 * outermost frame the traceback prints (the line above `created by`), `main.` stripped, and
 * the wait reason: `NilRecv.func1() [chan receive (nil chan)]`.
 */
function leakString(node: GraphNode | undefined, id: number): { leak: string; note?: string } {
  if (!node) return { leak: `goroutine ${id} [?]`, note: `goroutine ${id} is not among the graph's nodes` };
  const complete = node.stack[node.stack.length - 1]?.startsWith('runtime.goexit ');
  const outer = node.stack.filter(tracebackShows).pop()?.split(' ')[0] ?? '?';
  return {
    leak: `${outer.replace(/^main\./, '')}() [${node.waitReason}]`,
    note: complete ? undefined : `goroutine ${id}: stack cut at ${node.stack.length} frames, so ${outer} may not be its outermost`,
  };
}

async function graph(it: DelveInterpreter): Promise<GraphRun> {
  const t0 = performance.now();
  const data = await cell(it, 'goroutine-graph');
  const ms = performance.now() - t0;
  const json = data['application/json'] as GraphJson;
  const byId = new Map<number, GraphNode>();
  for (const n of json.nodes) {
    if (n.type !== 'goroutine') continue;
    for (const g of n.goroutines ?? [n.goroutine]) byId.set(g, n); // --group merges goroutines into one node
  }
  const why = new Map<number, string[]>();
  const add = (g: number, reason: string) => why.set(g, [...(why.get(g) ?? []), reason]);
  for (const l of json.leaks) add(l.goroutine, `leak (${l.confidence}): ${l.reason}`);
  for (const d of json.deadlocks) {
    for (const g of d.goroutines) add(g, `deadlock cycle (${d.confidence}) of ${d.goroutines.join(',')}`);
    for (const g of d.blockedBehind) add(g, `blocked behind deadlock (${d.confidence}) of ${d.goroutines.join(',')}`);
  }
  const notes: string[] = json.partial ? ['goroutine-graph answered partial'] : [];
  const flags: Flag[] = [];
  for (const [g, reasons] of why) {
    const s = leakString(byId.get(g), g);
    if (s.note) notes.push(s.note);
    flags.push({ goroutine: g, leak: s.leak, why: reasons.join('; ') });
  }
  return { flags, ms, notes };
}

/** Resolves with WORK's value, or rejects after PHASE_TIMEOUT_MS. */
function withinTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout: ${what} took more than ${PHASE_TIMEOUT_MS / 1000} s`)), PHASE_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Shuts IT down; what it left running (dlv, the target it started) is killed by pid. */
async function end(it: DelveInterpreter): Promise<void> {
  const s = it.state.session;
  const pids = [s?.dlvPid, s?.kind === 'exec' ? s.pid : undefined];
  it.interrupt();
  await Promise.race([it.shutdown(false).catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
  for (const pid of pids) {
    if (alive(pid)) {
      try {
        process.kill(pid!, 'SIGKILL');
      } catch { /* gone */ }
    }
  }
}

/** The env the target really got, against what was asked. */
function envMismatch(pid: number, want: Record<string, string>): string | undefined {
  let environ: string[];
  try {
    environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch (err) {
    return `cannot read /proc/${pid}/environ: ${(err as Error).message}`;
  }
  const wrong = Object.entries(want).filter(([k, v]) => {
    const got = environ.find((e) => e.startsWith(k + '='))?.slice(k.length + 1);
    // GODEBUG may carry more settings than ours (Delve adds asyncpreemptoff=1 itself).
    return k === 'GODEBUG' ? !got?.split(',').includes(v) : got !== v;
  });
  return wrong.length ? `target env lacks ${wrong.map(([k, v]) => `${k}=${v}`).join(', ')}` : undefined;
}

async function kernelRun(bin: string, c: Case, env: Record<string, string>, dir: string): Promise<KernelRun> {
  const problems: string[] = [];
  const result: KernelRun = { problems };
  const corefile = path.join(dir, `${c.name}.core`);
  let dumped = false;

  // The kernel's `exec` takes no env for the target: dlv, and so its child, inherits ours.
  const it = new DelveInterpreter({ stream() {} }, dir);
  try {
    await withinTimeout((async () => {
      const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
      Object.assign(process.env, env);
      try {
        await cell(it, `exec ${bin} -- ${c.name}`);
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
      const wrongEnv = envMismatch(it.state.session!.pid, env);
      if (wrongEnv) problems.push(wrongEnv);
      await cell(it, `break ${BREAK_AT}`);
      const stop = (await cell(it, 'continue'))['application/json'] as { kind: string; function?: string; exitStatus?: number };
      if (stop.kind !== 'stop' || !stop.function?.endsWith('WriteTo')) {
        throw new Error(stop.kind === 'exited' ? `missed the stop: the program exited (status ${stop.exitStatus}) without reaching ${BREAK_AT}` : `missed the stop: stopped in ${stop.function ?? stop.kind}`);
      }
      result.live = await graph(it);
      await cell(it, `dump ${corefile}`);
      dumped = true;
    })(), 'live session');
  } catch (err) {
    problems.push(`live: ${(err as Error).message}`);
  } finally {
    await end(it);
  }
  if (!dumped) return result;

  const core = new DelveInterpreter({ stream() {} }, dir);
  try {
    await withinTimeout((async () => {
      await cell(core, `core ${bin} ${corefile}`);
      result.core = await graph(core);
    })(), 'core session');
  } catch (err) {
    problems.push(`core: ${(err as Error).message}`);
  } finally {
    await end(core);
    fs.rmSync(corefile, { force: true });
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// Comparing

type FlagClass = 'expected (flaky) leak' | 'runtime missed a listed leak' | 'beyond the runtime' | 'false alarm (no-leak case)';

interface Outcome {
  c: Case;
  runtime: RuntimeRun;
  kernel: KernelRun;
  /** Per pattern: shown by the runtime, by us live, by us on the core (undefined: no answer). */
  found: { pattern: string; runtime: boolean; live?: boolean; core?: boolean }[];
  /** Runtime leaks no pattern of the case explains (the Go test fails on these). */
  runtimeUnexpected: string[];
  beyond: { where: 'live' | 'core'; flag: Flag; cls: FlagClass; note?: string }[];
}

/**
 * A leak as both sides can write it, `f() [select]`. extractLeaks's strings carry more: the
 * runtime prints arguments, `f(0xc000012345, ...)`; its split on "\n\ngoroutine" eats the
 * word its header regex looks for, so the goroutine id stays, `f(...)  7 [select]`; and the
 * header's closing colon stays, `[select]:`. The Go test's regexes are unanchored: all match.
 */
function normalized(leak: string): string {
  const at = leak.lastIndexOf(' ['); // a wait reason has no '['
  const fn = leak.slice(0, at).trim().replace(/\s+\d+$/, '').replace(/\([^()]*\)$/, '()');
  return `${fn} ${leak.slice(at + 1).replace(/:$/, '')}`;
}

function compare(c: Case, runtime: RuntimeRun, kernel: KernelRun): Outcome {
  const res = c.patterns.map((p) => ({ pattern: p, re: new RegExp(p) }));
  const matches = (leaks: string[] | undefined, re: RegExp) => (leaks ? leaks.some((l) => re.test(l)) : undefined);
  const live = kernel.live?.flags.map((f) => f.leak);
  const core = kernel.core?.flags.map((f) => f.leak);
  const found = res.map(({ pattern, re }) => ({ pattern, runtime: !!matches(runtime.leaks, re), live: matches(live, re), core: matches(core, re) }));
  const runtimeUnexpected = runtime.leaks.filter((l) => !res.some(({ re }) => re.test(l)));

  // Ours beyond the runtime's: compared as multisets of `function() [wait reason]`.
  const beyond: Outcome['beyond'] = [];
  for (const where of ['live', 'core'] as const) {
    const left = new Map<string, number>();
    for (const l of runtime.leaks.map(normalized)) left.set(l, (left.get(l) ?? 0) + 1);
    for (const flag of kernel[where]?.flags ?? []) {
      const key = normalized(flag.leak);
      const n = left.get(key) ?? 0;
      if (n > 0) {
        left.set(key, n - 1);
        continue;
      }
      const hit = res.find(({ re }) => re.test(flag.leak));
      const patternShownByRuntime = hit && matches(runtime.leaks, hit.re);
      const cls: FlagClass = c.patterns.length === 0 ? 'false alarm (no-leak case)'
        : hit && !c.simple ? 'expected (flaky) leak'
          : hit && !patternShownByRuntime ? 'runtime missed a listed leak'
            : 'beyond the runtime';
      beyond.push({ where, flag, cls, note: hit && patternShownByRuntime ? `one more goroutine matching listed ${hit.pattern}` : undefined });
    }
  }
  return { c, runtime, kernel, found, runtimeUnexpected, beyond };
}

// ---------------------------------------------------------------------------------------
// Printing

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r, j) => {
    const line = r.map((cellText, i) => cellText.padEnd(widths[i])).join(' | ').trimEnd();
    return j === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}` : line;
  }).join('\n');
}

function print(outcomes: Outcome[], tc: Toolchain, wallS: number): void {
  const count = (xs: (boolean | undefined)[]) => xs.filter(Boolean).length;
  const ms = (g?: GraphRun) => (g ? `${(g.ms / 1000).toFixed(2)}` : '-');
  const rows = [['case', 'expected', 'runtime found', 'ours live', 'ours core', 'false alarms (live/core)', 'beyond runtime (live/core)', 'graph s (live/core)']];
  for (const o of outcomes) {
    const n = o.found.length;
    const of = (k: 'runtime' | 'live' | 'core') => (k !== 'runtime' && !o.kernel[k] ? 'no answer' : `${count(o.found.map((f) => f[k]))}/${n}`);
    const noLeak = o.c.patterns.length === 0;
    const alarms = (k: 'live' | 'core') => (o.kernel[k] ? String(o.kernel[k]!.flags.length) : '-');
    const beyond = (k: 'live' | 'core') => (o.kernel[k] ? String(o.beyond.filter((b) => b.where === k && b.cls !== 'false alarm (no-leak case)').length) : '-');
    rows.push([
      o.c.name,
      noLeak ? 'none' : `${n}${o.c.simple ? '' : ' flaky'}`,
      (o.runtime.timedOut ? 'timeout ' : '') + of('runtime') + (o.runtimeUnexpected.length ? ` +${o.runtimeUnexpected.length} unexpected` : ''),
      of('live'),
      of('core'),
      noLeak ? `${alarms('live')}/${alarms('core')}` : '',
      `${beyond('live')}/${beyond('core')}`,
      `${ms(o.kernel.live)}/${ms(o.kernel.core)}`,
    ]);
  }
  console.log(`\nGo goroutine-leak corpus (${tc.version}, ${path.join(tc.goroot, 'src/runtime/goroutineleakprofile_test.go')}): runtime goroutineleak profile vs goroutine-graph at ${BREAK_AT}`);
  console.log('one run per case; expected = leak patterns the Go test lists for the case\n');
  console.log(table(rows));

  // What the counts stand for, case by case.
  console.log('\nDetails');
  for (const o of outcomes) {
    const lines: string[] = [];
    if (o.runtime.exit !== 'exit 0') lines.push(`runtime run: ${o.runtime.exit}${o.runtime.timedOut ? ' (timeout, killed)' : ''}`);
    for (const p of o.kernel.problems) lines.push(`kernel: ${p}`);
    for (const f of o.found) {
      const said = (v: boolean | undefined) => (v === undefined ? 'n/a' : v ? 'yes' : 'NO');
      if (!f.runtime || f.live === false || f.core === false) lines.push(`pattern ${f.pattern}: runtime ${said(f.runtime)}, live ${said(f.live)}, core ${said(f.core)}`);
    }
    for (const l of o.runtimeUnexpected) lines.push(`runtime leak no pattern lists: ${l}`);
    // Flags alike but for addresses and goroutine ids (DaisyChain: a thousand) on one line.
    const alike = new Map<string, Outcome['beyond']>();
    for (const b of o.beyond) {
      const key = [b.where, b.flag.leak, b.cls, b.note, b.flag.why.replace(/0x[0-9a-f]+/g, '0x_').replace(/\d+/g, 'N')].join('|');
      alike.set(key, [...(alike.get(key) ?? []), b]);
    }
    for (const bs of alike.values()) {
      const [b] = bs;
      const gs = bs.length > 1 ? `${bs.length} goroutines: g${bs.slice(0, 3).map((x) => x.flag.goroutine).join(', g')}${bs.length > 3 ? ', ...' : ''}` : `g${b.flag.goroutine}`;
      lines.push(`ours ${b.where}: ${b.flag.leak} (${gs}) -- ${b.cls}${b.note ? ` (${b.note})` : ''}; e.g. ${b.flag.why}`);
    }
    for (const k of ['live', 'core'] as const) for (const n of o.kernel[k]?.notes ?? []) lines.push(`note ${k}: ${n}`);
    if (lines.length) console.log(`${o.c.name}:\n  ${lines.join('\n  ')}`);
  }

  // Totals: non-flaky cases are the ones whose leaks must show; flaky ones are counted apart.
  const strict = outcomes.filter((o) => o.c.simple);
  const listed = strict.flatMap((o) => o.found);
  const noLeak = strict.filter((o) => o.c.patterns.length === 0);
  const alarmed = (k: 'live' | 'core') => noLeak.filter((o) => (o.kernel[k]?.flags.length ?? 0) > 0).length;
  console.log('\nTotals');
  console.log(`  expected leak patterns (non-flaky cases): ${listed.length}; found by runtime ${count(listed.map((f) => f.runtime))}, ours live ${count(listed.map((f) => f.live))}, ours core ${count(listed.map((f) => f.core))}`);
  console.log(`  no-leak cases: ${noLeak.length}; with a false alarm: runtime ${noLeak.filter((o) => o.runtime.leaks.length > 0).length}, ours live ${alarmed('live')}, ours core ${alarmed('core')}`);
  const flaky = outcomes.filter((o) => !o.c.simple).flatMap((o) => o.found);
  if (flaky.length) console.log(`  flaky leak patterns (flaky cases, one run): ${flaky.length}; shown by runtime ${count(flaky.map((f) => f.runtime))}, ours live ${count(flaky.map((f) => f.live))}, ours core ${count(flaky.map((f) => f.core))}`);
  for (const k of ['live', 'core'] as const) {
    const classes = new Map<string, number>();
    for (const b of outcomes.flatMap((o) => o.beyond).filter((b) => b.where === k)) classes.set(b.cls, (classes.get(b.cls) ?? 0) + 1);
    console.log(`  ours ${k}, flags beyond the runtime's: ${[...classes].map(([cls, n]) => `${n} ${cls}`).join(', ') || 'none'}`);
  }
  const noAnswer = (k: 'live' | 'core') => outcomes.filter((o) => !o.kernel[k]).map((o) => o.c.name);
  for (const k of ['live', 'core'] as const) if (noAnswer(k).length) console.log(`  no ${k} answer (see Details): ${noAnswer(k).join(', ')}`);
  const graphS = (k: 'live' | 'core') => outcomes.reduce((s, o) => s + (o.kernel[k]?.ms ?? 0), 0) / 1000;
  console.log(`  goroutine-graph time: live ${graphS('live').toFixed(1)} s, core ${graphS('core').toFixed(1)} s over ${outcomes.length} cases; whole run ${wallS.toFixed(0)} s`);
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const t0 = performance.now();
  const tc = toolchain();
  const corpus = readCorpus(tc.goroot);
  const cases = corpus.cases.filter((c) => (WITH_FLAKY || c.simple) && (!ONLY || ONLY.test(c.name)));
  console.error(`${tc.version}: ${corpus.cases.length} cases in the test (${corpus.cases.filter((c) => c.simple).length} non-flaky); running ${cases.length}; env ${corpus.env.join(' ')} (+ ${corpus.simpleEnv.join(' ')} for non-flaky)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-corpus-'));
  try {
    const bins = buildPrograms(tc, corpus, dir);
    const outcomes: Outcome[] = [];
    for (const c of cases) {
      const env = caseEnv(corpus, c);
      const runtime = await runtimeRun(bins[c.program], c, env);
      const kernel = await kernelRun(bins[c.program], c, env, dir);
      const o = compare(c, runtime, kernel);
      outcomes.push(o);
      const k = (g?: GraphRun) => (g ? `${g.flags.length} flagged` : 'no answer');
      console.error(`  ${c.name}: runtime ${runtime.leaks.length} leaks; live ${k(kernel.live)}; core ${k(kernel.core)}${kernel.problems.length ? ` (${kernel.problems.join('; ')})` : ''}`);
    }
    print(outcomes, tc, (performance.now() - t0) / 1000);
    // Every dlv and target had the temp dir in its command line.
    const left = processesMatching(dir);
    if (left.length) console.log(`\nLEFT RUNNING (killing them):\n  ${left.join('\n  ')}`);
    for (const line of left) {
      try {
        process.kill(Number(line.split(' ')[0]), 'SIGKILL');
      } catch { /* gone */ }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 0; // a benchmark: the failure is printed above
});
