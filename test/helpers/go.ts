// Builds the example Go programs for tests, on each Go release of the matrix.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chooseDelve } from '../../src/session/delve-choice';
import { goVersionOfFile } from '../../src/session/go-version';

export const repoRoot = path.resolve(__dirname, '../../..');

export interface Toolchain {
  /** 'go1.27.4' */
  name: string;
  /** The go command (run with GOTOOLCHAIN=local). */
  go: string;
  /** 27 for go1.27.4 */
  minor: number;
}

const cacheDir = process.env.DELVE_KERNEL_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'delve-kernel');

/** The releases in scripts/go-releases; DELVE_KERNEL_TEST_GO=go1.26.8,go1.27.4 narrows them for a quick local run. */
function matrixReleases(): string[] {
  const all = fs.readFileSync(path.join(repoRoot, 'scripts/go-releases'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const only = process.env.DELVE_KERNEL_TEST_GO?.split(',').map((s) => s.trim()).filter(Boolean);
  return only?.length ? all.filter((r) => only.some((o) => r.startsWith(o))) : all;
}

/** Where scripts/setup.sh --tests left RELEASE: Go's own toolchain download, else Debian's unpacked package. */
function findGo(release: string): string | undefined {
  try {
    const root = execFileSync('go', ['env', 'GOROOT'], { env: { ...process.env, GOTOOLCHAIN: release, GOFLAGS: '' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const go = path.join(root, 'bin', 'go');
    const version = execFileSync(go, ['env', 'GOVERSION'], { env: { ...process.env, GOTOOLCHAIN: 'local' }, encoding: 'utf8' }).trim();
    if (version === release) return go;
  } catch {
    /* not served by the proxy */
  }
  const minor = /^go1\.(\d+)/.exec(release)?.[1];
  const debian = path.join(cacheDir, 'debian', 'usr', 'lib', `go-1.${minor}`, 'bin', 'go');
  return fs.existsSync(debian) ? debian : undefined;
}

let matrix: Toolchain[] | undefined;

/** The Go releases of the test matrix (scripts/go-releases), each run under Delve 1.27.1. */
export function toolchains(): Toolchain[] {
  if (matrix) return matrix;
  const missing: string[] = [];
  matrix = [];
  for (const name of matrixReleases()) {
    const go = findGo(name);
    if (go) matrix.push({ name, go, minor: Number(/^go1\.(\d+)/.exec(name)![1]) });
    else missing.push(name);
  }
  // A missing release is a broken set-up, not a skip.
  if (missing.length) throw new Error(`Go ${missing.join(', ')} not found: run \`bash scripts/setup.sh --tests\``);
  return matrix;
}

/** Debian's Go 1.19 and Delve 1.20.2: the old pair a user may `connect` to. */
export const legacy = { toolchain: { name: 'go1.19', go: '/usr/lib/go-1.19/bin/go', minor: 19 } as Toolchain, dlv: '/usr/bin/dlv' };

const buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-test-'));
process.on('exit', () => fs.rmSync(buildDir, { recursive: true, force: true }));

export interface BuildOptions {
  /** As `go build` does by default (inlined calls, registers) instead of -gcflags=all=-N -l. */
  optimized?: boolean;
  /**
   * The go.mod `go` line: by default the toolchain's own release (as a new module gets), so
   * the program sees that release's semantics (e.g. timers from 1.23); or an older one.
   */
  goLine?: string;
}

/**
 * Builds examples/NAME without optimizations, as `debug` does (or optimized), with its
 * go.mod at the toolchain's `go` line; returns the binary. Each build is made once per
 * test run (uvu loads every test file into one process) and toolchain.
 */
export function buildExample(name: string, toolchain: Toolchain = toolchains()[toolchains().length - 1], opts: BuildOptions = {}): string {
  const goLine = opts.goLine ?? `1.${toolchain.minor}`;
  const tag = `${name}-${toolchain.name}${opts.optimized ? '-optimized' : ''}${opts.goLine ? `-mod${opts.goLine}` : ''}`;
  const out = path.join(buildDir, tag);
  if (!fs.existsSync(out)) {
    // A go.mod of our own through -modfile: the sources stay where they are (file names in
    // stacks read examples/NAME/main.go), only the `go` line differs.
    const modfile = path.join(buildDir, `${tag}.mod`);
    const mod = fs.readFileSync(path.join(repoRoot, 'examples', name, 'go.mod'), 'utf8');
    fs.writeFileSync(modfile, mod.replace(/^go \S+$/m, `go ${goLine}`));
    execFileSync(toolchain.go, ['build', `-modfile=${modfile}`, ...(opts.optimized ? [] : ['-gcflags=all=-N -l']), '-o', out, '.'], {
      cwd: path.join(repoRoot, 'examples', name),
      env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return out;
}

/** Children of PPID whose command line mentions WORD. */
export function childrenMatching(ppid: number, word: string): number[] {
  return processesMatching(word).map((line) => Number(line.split(' ')[0])).filter((pid) => {
    try {
      return Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]) === ppid;
    } catch {
      return false;
    }
  });
}

/** The processes whose command line mentions WORD (to check nothing was left behind). */
export function processesMatching(word: string): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (/\) Z /.test(stat)) continue; // zombies hold nothing
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(word)) out.push(`${pid} ${cmd}`);
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** Runs BINARY until it prints, dumps its core with gcore, kills it. Returns the core's path. */
export async function makeCoreDump(binary: string, args: string[], dir: string): Promise<string> {
  const { spawn } = await import('node:child_process');
  const target = spawn(binary, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    await new Promise<void>((r) => target.stdout!.once('data', () => r()));
    await new Promise<void>((resolve, reject) => {
      spawn('gcore', ['-o', path.join(dir, 'core'), String(target.pid)], { stdio: 'ignore' })
        .once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`gcore exited with ${code}`))));
    });
    return path.join(dir, `core.${target.pid}`);
  } finally {
    target.kill('SIGKILL');
  }
}

/** The dlv the kernel's version policy picks for BINARY (for tests and benchmarks that start Delve themselves). */
export async function delveFor(binary: string): Promise<string> {
  return (await chooseDelve(goVersionOfFile(binary))).delve.path;
}

/** The release the benchmarks build with: BENCH_GO (e.g. go1.27), else Go 1.26, the machine's own. */
export function benchToolchain(): Toolchain {
  const wanted = process.env.BENCH_GO ?? 'go1.26';
  const found = toolchains().find((t) => t.name.startsWith(wanted));
  if (!found) throw new Error(`BENCH_GO=${wanted} is not in scripts/go-releases`);
  return found;
}
