// Which Delve runs a target: the version policy (README, "Supported"). Each Delve release
// accepts a range of Go releases (Delve's pkg/goversion/compat.go); outside it Delve refuses
// exec/debug/core unless told --check-go-version=false, and some pairs read wrong answers
// without refusing (a Delve older than 1.25 on a Go 1.25+ binary, DWARF 5).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { majorMinor } from './go-version';
import { LaunchError } from './launch';

/** The Delve `npm run setup` installs (and the one the README's policy names). */
export const PINNED_DELVE = '1.27.1';
export const INSTALL_DELVE = `go install github.com/go-delve/delve/cmd/dlv@v${PINNED_DELVE}`;

/** Go minor releases each Delve minor release accepts, [oldest, newest]. */
const GO_RANGE: Record<number, [number, number]> = {
  20: [18, 20], 21: [19, 21], 22: [20, 22], 23: [21, 23], 24: [21, 24],
  25: [22, 25], 26: [24, 26], 27: [25, 27],
};

export function goRangeOfDelve(delveVersion: string): [number, number] | undefined {
  const v = majorMinor(delveVersion);
  if (!v || v[0] !== 1) return undefined;
  // A release newer than this table follows the pattern of the last ones: three Go releases.
  return GO_RANGE[v[1]] ?? (v[1] > 27 ? [v[1] - 2, v[1]] : undefined);
}

export interface DelveBinary {
  path: string;
  /** '1.27.1' */
  version: string;
}

export interface DelveDecision {
  delve: DelveBinary;
  /** Extra dlv flags (--check-go-version=false). */
  flags: string[];
  /** One line for the user, when the pair is outside Delve's own range. */
  note?: string;
}

/**
 * Why DELVE would read a target built by GO wrongly, or undefined if the pair is sound.
 * Delve before 1.25 cannot read DWARF 5, the default from Go 1.25: locals and arguments
 * vanish and stacks lose their files, with no error.
 */
export function knownWrong(delveVersion: string, goVersion: string): string | undefined {
  const dlv = majorMinor(delveVersion);
  const go = majorMinor(goVersion);
  if (!dlv || !go) return undefined;
  if (go[1] >= 25 && dlv[1] < 25) return `Delve ${delveVersion} cannot read the DWARF 5 debug information of ${goVersion} binaries (Go 1.25+): locals, arguments and stacks would be wrong`;
  return undefined;
}

/**
 * The policy, as a pure function: among the Delves found, one whose range covers the target
 * (the newest such); else the newest one not known to be wrong, with the version check off
 * and a note; else a refusal that says what to install (unless `anyDelve`).
 */
export function decideDelve(found: DelveBinary[], goVersion: string | undefined, opts: { anyDelve?: boolean; launching: boolean }): DelveDecision {
  if (found.length === 0) throw new LaunchError(`Delve is not installed; run \`npm run setup\`, or \`${INSTALL_DELVE}\` and point DELVE_KERNEL_DLV at it`);
  const newestFirst = [...found].sort((a, b) => compareVersions(b.version, a.version));
  const go = goVersion && majorMinor(goVersion);
  if (!go) return { delve: newestFirst[0], flags: [] };
  const covers = (d: DelveBinary) => {
    const r = goRangeOfDelve(d.version);
    return r !== undefined && go[1] >= r[0] && go[1] <= r[1];
  };
  const fitting = newestFirst.find(covers);
  if (fitting) return { delve: fitting, flags: [] };
  const sound = newestFirst.filter((d) => !knownWrong(d.version, goVersion!));
  const chosen = sound[0] ?? (opts.anyDelve ? newestFirst[0] : undefined);
  if (!chosen) {
    throw new LaunchError(
      `${knownWrong(newestFirst[0].version, goVersion!)}. Install Delve ${PINNED_DELVE}: \`${INSTALL_DELVE}\` (or \`npm run setup\`) and point DELVE_KERNEL_DLV at it; ` +
      'to use this Delve anyway, add --any-delve to the command',
    );
  }
  const range = goRangeOfDelve(chosen.version);
  const side = range && go[1] < range[0] ? 'older' : 'newer';
  const wrong = knownWrong(chosen.version, goVersion!);
  const how = opts.launching ? 'started with --check-go-version=false' : 'answers may be incomplete';
  return {
    delve: chosen,
    flags: opts.launching ? ['--check-go-version=false'] : [],
    note: wrong
      ? `warning: ${wrong}; going on because of --any-delve`
      : `note: the target was built with ${goVersion}, ${side} than Delve ${chosen.version} supports (Go 1.${range?.[0]}-1.${range?.[1]}); ${how}`,
  };
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number(x) || 0);
  const pb = b.split(/[.-]/).map((x) => Number(x) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** Where `npm run setup` puts what it downloads: Delve, Go toolchains for the tests. */
export function cacheDir(): string {
  return process.env.DELVE_KERNEL_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'delve-kernel');
}

/**
 * The dlv binaries to choose from: DELVE_KERNEL_DLV alone when set (it wins); else the
 * project's pinned Delve in the cache, `dlv` on PATH and in $GOPATH/bin.
 */
export function delveCandidates(): string[] {
  if (process.env.DELVE_KERNEL_DLV) return [process.env.DELVE_KERNEL_DLV];
  const out = [path.join(cacheDir(), `delve-v${PINNED_DELVE}`, 'dlv')];
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir) out.push(path.join(dir, 'dlv'));
  out.push(path.join(process.env.GOPATH || path.join(os.homedir(), 'go'), 'bin', 'dlv'));
  const seen = new Set<string>();
  return out.filter((p) => {
    let real: string;
    try {
      real = fs.realpathSync(p);
      fs.accessSync(real, fs.constants.X_OK);
    } catch {
      return false;
    }
    if (seen.has(real)) return false;
    seen.add(real);
    return true;
  });
}

const versions = new Map<string, Promise<DelveBinary | undefined>>();

/** `dlv version` of each candidate, read once per path. */
export async function installedDelves(): Promise<DelveBinary[]> {
  const all = await Promise.all(delveCandidates().map((p) => {
    let v = versions.get(p);
    if (!v) {
      v = promisify(execFile)(p, ['version'], { timeout: 10_000 })
        .then(({ stdout }) => {
          const version = /Version:\s*(\S+)/.exec(stdout)?.[1];
          return version ? { path: p, version } : undefined;
        })
        .catch(() => undefined);
      versions.set(p, v);
    }
    return v;
  }));
  return all.filter((d): d is DelveBinary => d !== undefined);
}

/** The Delve for a target built by GOVERSION, launched by this kernel. */
export async function chooseDelve(goVersion: string | undefined, anyDelve = false): Promise<DelveDecision> {
  return decideDelve(await installedDelves(), goVersion, { anyDelve, launching: true });
}
