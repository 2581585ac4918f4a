// Builds the example Go programs for tests, with each Go toolchain present.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../../..');

export interface Toolchain {
  name: string;
  go: string;
}

/** Go 1.19 (Debian's golang-go) and Go 1.22 (bookworm-backports), where installed. */
export function toolchains(): Toolchain[] {
  const found: Toolchain[] = [];
  for (const [name, go] of [['go1.19', '/usr/lib/go-1.19/bin/go'], ['go1.22', '/usr/lib/go-1.22/bin/go']]) {
    if (fs.existsSync(go)) found.push({ name, go });
  }
  // CI must test both releases: a missing Go 1.22 there is a broken set-up, not a skip.
  if (process.env.CI && found.length < 2) throw new Error('CI needs Go 1.19 and Go 1.22 (scripts/setup.sh installs golang-1.22-go)');
  if (found.length === 0) found.push({ name: 'go', go: 'go' });
  return found;
}

const buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-test-'));
process.on('exit', () => fs.rmSync(buildDir, { recursive: true, force: true }));

/**
 * Builds examples/NAME without optimizations, as `debug` does (or, with optimized, as
 * `go build` does by default: inlined calls); returns the binary.
 */
export function buildExample(name: string, toolchain: Toolchain = toolchains()[0], opts: { optimized?: boolean } = {}): string {
  const out = path.join(buildDir, `${name}-${toolchain.name}${opts.optimized ? '-optimized' : ''}`);
  if (!fs.existsSync(out)) {
    execFileSync(toolchain.go, ['build', ...(opts.optimized ? [] : ['-gcflags=all=-N -l']), '-o', out, '.'], {
      cwd: path.join(repoRoot, 'examples', name),
      env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return out;
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
