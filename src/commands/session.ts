// Starting, ending and describing sessions: debug, exec, attach, core, connect, detach,
// restart, status, dump.
import { paths } from '../render/paths';
import type { MimeBundle } from '../../kernel/interpreter';
import { splitAtDashes, splitWords } from '../cell';
import { UserError, usage } from '../errors';
import { tableBundle } from '../render/table';
import { stopBundle, stopLocation } from '../render/stop';
import { askDelve, type DebugState } from '../state';
import type { SessionSpec } from '../session/session';
import type { Command, CommandContext, Flag } from './command';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DumpState } from '../rpc/api';
import { progressDisplay } from './progress';

async function startSession(cx: CommandContext, spec: SessionSpec, anyDelve: boolean): Promise<MimeBundle> {
  const session = await cx.state.start(spec, (m) => cx.out.stream('stderr', m + '\n'), cx.signal, anyDelve);
  return statusBundle(cx.state, session.kind === 'core' || session.kind === 'attach'
    ? 'Look with `goroutines`, `bt`, `print EXPR`.'
    : 'Set breakpoints with `break LOCSPEC`, then `continue`.');
}

export async function statusBundle(state: DebugState, next?: string): Promise<MimeBundle> {
  const s = state.session;
  if (!s) return { 'text/plain': 'no target; ' + 'start one with `debug DIR`, `exec BINARY`, `attach PID`, `core BINARY COREFILE` or `connect HOST:PORT`', 'application/json': { kind: 'status', session: null } };
  let where = '';
  let whereShort = '';
  let running = s.running;
  let exited: { status?: number } | undefined;
  if (!s.lostReason) {
    const st = await s.control.state(true).catch((err: Error) => {
      // Delve answers State of an exited process with an error, not with `exited` set.
      const m = /has exited with status (-?\d+)/.exec(err.message);
      if (m) exited = { status: Number(m[1]) };
      return undefined;
    });
    if (st) {
      running = st.Running;
      if (st.exited) exited = { status: st.exitStatus };
      const t = st.currentThread;
      if (t && !st.Running) {
        where = `${t.function?.name ?? '?'}() ${t.file}:${t.line}`;
        whereShort = `${t.function?.name ?? '?'}() ${paths.short(t.file)}:${t.line}`;
      }
    }
  }
  const condition = s.lostReason ? `ended: ${s.lostReason}` : exited ? `exited with status ${exited.status}` : running ? 'running' : 'stopped';
  const rows = [
    { key: 'session', value: s.describe() },
    { key: 'kind', value: s.kind },
    { key: 'pid', value: String((await s.knownPid()) || '') },
    { key: 'state', value: condition },
    { key: 'location', value: whereShort || where },
    { key: 'goroutine', value: state.goroutineId === -1 ? 'current' : String(state.goroutineId) },
    { key: 'frame', value: String(state.frame) },
    { key: 'go', value: s.goVersion ?? 'unknown' },
    { key: 'delve', value: `${/Version:\s*(\S+)/.exec(s.version.DelveVersion)?.[1] ?? s.version.DelveVersion} (${s.version.Backend} backend, API v${s.version.APIVersion})` },
  ];
  const bundle = tableBundle({ columns: [{ name: 'key', type: 'string' }, { name: 'value', type: 'string' }], rows, title: next });
  // The session's kind is `sessionKind`: `kind` names the result, as everywhere.
  // The table shows the file module-relative; the JSON keeps the full path.
  bundle['application/json'] = { ...Object.fromEntries(rows.map((r) => [r.key === 'kind' ? 'sessionKind' : r.key, r.value])), location: where, kind: 'status' };
  return bundle;
}

/** The session commands' own words, with `--any-delve` (use a Delve known to misread the target) taken out. */
function sessionWords(words: string[]): [words: string[], anyDelve: boolean] {
  return [words.filter((w) => w !== '--any-delve'), words.includes('--any-delve')];
}

const ANY_DELVE_FLAG: Flag = { name: '--any-delve', summary: 'use the Delve found even where it is known to misread this Go release' };
const ANY_DELVE_HELP = ' `--any-delve` uses the Delve found even where it is known to misread this Go release (the README\'s version policy).';

function parsePid(word: string | undefined, cmd: string, line: string): number {
  if (!word || !/^\d+$/.test(word)) throw usage(cmd, line, word ? `${word} is not a process id` : 'which process?');
  return Number(word);
}

/** A process id, or the one running program of that name (its executable's file name), as pgrep finds it. */
function pidOrProgram(word: string | undefined, line: string): number {
  if (!word || /^\d+$/.test(word)) return parsePid(word, 'attach', line);
  const matches = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid).filter((d) => {
    try {
      return path.basename(fs.readlinkSync(`/proc/${d}/exe`)) === word && !/^[^)]*\) [ZX]/.test(fs.readFileSync(`/proc/${d}/stat`, 'utf8').replace(/^\d+ \(/, ''));
    } catch {
      return false; // gone, or not ours to read
    }
  }).map(Number);
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) throw new UserError('UsageError', `attach: no running program named \`${word}\``, 'start it first, or give its process id (`attach PID`)');
  throw new UserError('UsageError', `attach: ${matches.length} running programs are named \`${word}\` (processes ${matches.sort((a, b) => a - b).join(', ')})`, 'say which: `attach PID`');
}

export const sessionCommands: Command[] = [
  {
    name: 'debug', aliases: [], group: 'session', completes: 'files',
    usage: 'debug [--any-delve] [DIR|PKG] [-- ARGS]',
    flags: [ANY_DELVE_FLAG],
    summary: "Build a Go program with -gcflags='all=-N -l' and start it under Delve.",
    details: 'DIR defaults to the notebook\'s directory. The build uses `go` from PATH (or $DELVE_KERNEL_GO). The program\'s output streams into the cell that runs it.' + ANY_DELVE_HELP,
    async run(cx) {
      const [before, args] = splitAtDashes(splitWords(cx.args));
      const [words, anyDelve] = sessionWords(before);
      if (words.length > 1) throw usage('debug', this.usage, 'one directory or package at most; program arguments go after --');
      // Words reach `go build`: a flag there (-toolexec=PROG, -o PATH) would run or write anything.
      if (words[0]?.startsWith('-')) throw usage('debug', this.usage, `${words[0]}: build flags are not taken; build it yourself and \`exec BINARY\`, or give a directory or package`);
      return startSession(cx, { kind: 'debug', target: words[0] ?? '.', args }, anyDelve);
    },
  },
  {
    name: 'exec', aliases: [], group: 'session', completes: 'files',
    usage: 'exec [--any-delve] BINARY [-- ARGS]',
    flags: [ANY_DELVE_FLAG],
    summary: 'Start a built program under Delve.',
    details: ANY_DELVE_HELP.trim(),
    async run(cx) {
      const [before, args] = splitAtDashes(splitWords(cx.args));
      const [words, anyDelve] = sessionWords(before);
      if (words.length !== 1) throw usage('exec', this.usage, words.length ? 'one binary; program arguments go after --' : 'which binary?');
      return startSession(cx, { kind: 'exec', binary: words[0], args }, anyDelve);
    },
  },
  {
    name: 'attach', aliases: [], group: 'session', completes: 'nothing',
    usage: 'attach [--any-delve] PID|PROGRAM',
    flags: [ANY_DELVE_FLAG],
    summary: 'Attach to a running process (stops it until `continue`).',
    details: 'PROGRAM: the one running process whose executable has that file name (`attach myservice`).' + ANY_DELVE_HELP,
    async run(cx) {
      const [words, anyDelve] = sessionWords(splitWords(cx.args));
      return startSession(cx, { kind: 'attach', pid: pidOrProgram(words[0], this.usage) }, anyDelve);
    },
  },
  {
    name: 'core', aliases: [], group: 'session', completes: 'files',
    usage: 'core [--any-delve] BINARY COREFILE',
    flags: [ANY_DELVE_FLAG],
    summary: 'Open a core dump (a read-only session).',
    details: ANY_DELVE_HELP.trim(),
    async run(cx) {
      const [words, anyDelve] = sessionWords(splitWords(cx.args));
      if (words.length !== 2) throw usage('core', this.usage, 'a binary and a core file');
      return startSession(cx, { kind: 'core', binary: words[0], core: words[1] }, anyDelve);
    },
  },
  {
    name: 'connect', aliases: [], group: 'session', completes: 'nothing',
    usage: 'connect [--any-delve] HOST:PORT',
    flags: [ANY_DELVE_FLAG],
    summary: 'Use an already running `dlv --headless --accept-multiclient` server.',
    details: ANY_DELVE_HELP.trim(),
    async run(cx) {
      const [words, anyDelve] = sessionWords(splitWords(cx.args));
      const m = words.length === 1 ? /^(\S+):(\d+)$/.exec(words[0]) : null;
      if (!m) throw usage('connect', this.usage, 'give the address the server printed, e.g. 127.0.0.1:2345');
      return startSession(cx, { kind: 'connect', host: m[1], port: Number(m[2]) }, anyDelve);
    },
  },
  {
    name: 'detach', aliases: [], group: 'session', completes: 'nothing',
    usage: 'detach [--kill]',
    flags: [{ name: '--kill', aliases: ['-kill'], summary: 'kill the target too' }],
    summary: 'End the session: kill a launched program, let an attached one run on (--kill kills it too).',
    async run(cx) {
      const words = splitWords(cx.args);
      if (words.some((w) => w !== '--kill' && w !== '-kill')) throw usage('detach', this.usage);
      const s = cx.state.session;
      if (!s) throw new UserError('NoTarget', 'there is no session to detach from');
      const what = s.describe();
      await cx.state.end(words.length ? 'kill' : 'default');
      const fate = words.length || s.launchedTarget ? 'killed' : s.kind === 'connect' ? 'left to its server' : 'left running';
      return { 'text/plain': `detached from ${what}; the target was ${fate}`, 'application/json': { kind: 'detach', session: what, target: fate } };
    },
  },
  {
    name: 'restart', aliases: ['r'], group: 'session', completes: 'nothing',
    usage: 'restart',
    summary: 'Start the program again from the beginning, keeping breakpoints.',
    async run(cx) {
      const gone = cx.state.session;
      if (gone?.launchedTarget && !gone.lostReason && gone.targetGone()) {
        // Delve cannot restart a process that died under it: start the same program afresh,
        // with the same breakpoints (same binary, same addresses).
        const bps = (await gone.query.listBreakpoints().catch(() => [])).filter((bp) => bp.id > 0);
        const fresh = await cx.state.start(gone.spec, (m) => cx.out.stream('stderr', m + '\n'), cx.signal);
        for (const bp of bps) {
          await askDelve(`break ${bp.file}:${bp.line}`, () => fresh.query.createBreakpoint({ Breakpoint: { name: bp.name, addr: bp.addr, addrs: bp.addrs, file: bp.file, line: bp.line, Cond: bp.Cond } }));
        }
        return statusBundle(cx.state, `restarted: the old process (${gone.pid}) was gone, so the program was started afresh with its ${bps.length} breakpoint(s)`);
      }
      const s = cx.state.needLive('restart');
      if (!s.launchedTarget) throw new UserError('UsageError', `\`restart\` works for programs started with exec or debug; this session is \`${s.describe()}\``, 'use `detach` and start again');
      await askDelve('restart', () => s.query.restart());
      s.setPid(await askDelve('restart', () => s.query.processPid()));
      cx.state.resetScope();
      const st = await askDelve('state', () => s.query.state());
      const stop = stopLocation(st);
      return stop ? stopBundle(stop, 'restarted') : { 'text/plain': 'restarted; the program is stopped at its entry point' };
    },
  },
  {
    name: 'status', aliases: [], group: 'session', completes: 'nothing',
    usage: 'status',
    summary: 'What the session is: target, pid, state, location, Go and Delve versions.',
    async run(cx) {
      return statusBundle(cx.state);
    },
  },
  {
    name: 'dump', aliases: [], group: 'session', completes: 'files',
    usage: 'dump FILE',
    summary: 'Write a core dump of the stopped process to FILE (Delve\'s own writer); `core BINARY FILE` opens it.',
    details: 'FILE is relative to the notebook\'s directory and is overwritten. Progress shows in the cell; the interrupt button cancels the dump (the partial file is removed). ' +
      'Needs a stopped live process (not a core dump, not a running target). The core is ELF, as gcore writes; Delve reads it back with its goroutines, stacks and memory.',
    async run(cx) {
      const words = splitWords(cx.args);
      if (words.length !== 1) throw usage('dump', this.usage, words.length ? 'one file name (quote a path with spaces)' : 'where to? e.g. `dump ./orders.core`');
      const cur = cx.state.session;
      if (cur?.isCore) throw new UserError('ReadOnlySession', '`dump` writes a core of a live process, and this session is a core dump already', `it is the file you opened (\`${cur.describe()}\`); \`exec\` or \`attach\` a process to dump it`);
      const s = cx.state.needLive('dump');
      if (s.running) throw new UserError('TargetRunning', 'the target is running: `dump` needs it stopped', 'press the interrupt button or type `halt`, then `dump FILE`');
      const file = path.resolve(cx.state.cwd, words[0]);
      if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw usage('dump', this.usage, `${file} is a directory; give a file name in it, e.g. \`dump ${path.join(words[0], 'core')}\``);
      if (!fs.existsSync(path.dirname(file))) throw usage('dump', this.usage, `there is no directory ${path.dirname(file)}`);
      const progress = progressDisplay(cx, 'dump');
      const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
      const step = (st: DumpState) =>
        st.ThreadsTotal === 0 ? 'starting the dump…'
          : st.ThreadsDone !== st.ThreadsTotal || st.MemTotal === 0 ? `dumping threads: ${st.ThreadsDone} of ${st.ThreadsTotal} done…`
            : `dumping memory: ${mib(st.MemDone)} of ${mib(st.MemTotal)}…`;
      let cancelled = false;
      // On the query connection, behind the DumpWait in flight (at most 250 ms): the control
      // connection may be held by a State call, which waits for the dump to release the target.
      const onAbort = () => {
        cancelled = true;
        s.query.dumpCancel().catch(() => undefined);
      };
      cx.signal.addEventListener('abort', onAbort);
      let st: DumpState;
      try {
        // Marked running while it dumps: Delve 1.27's State(NonBlocking) during a dump returns
        // without releasing its dump lock, and then the dump, DumpWait and every State hang for
        // good. The interrupt button and `status` ask State only of a target not marked running.
        st = await s.whileRunning(async () => {
          let now = await askDelve(`dump ${words[0]}`, () => s.query.dumpStart(file));
          while (now.Dumping) {
            progress.report(step(now));
            if (cx.signal.aborted && !cancelled) onAbort();
            now = await askDelve(`dump ${words[0]}`, () => s.query.dumpWait(250));
          }
          return now;
        });
      } finally {
        cx.signal.removeEventListener('abort', onAbort);
      }
      if (st.Err || !st.AllDone) {
        progress.done(st.Err ? `dump failed: ${st.Err}` : 'dump cancelled');
        fs.rmSync(file, { force: true });
        if (st.Err) throw new UserError('DelveError', `dump ${words[0]}: ${st.Err}`, 'check that the directory is writable and has room');
        throw new UserError('Interrupted', `dump ${words[0]}: cancelled by the interrupt button; the partial file was removed`, 'the session is intact; `dump FILE` again to write it');
      }
      const size = fs.existsSync(file) ? fs.statSync(file).size : undefined;
      if (size === undefined) throw new UserError('DelveError', `dump ${words[0]}: Delve said it was done, but there is no ${file}`, 'Delve writes the file from its own process: check that it may write there');
      const incomplete = st.MemDone !== st.MemTotal;
      const binary = binaryOf(s.spec, s.pid);
      const text = [
        `wrote ${file}: ${mib(size)} (${size} bytes; ${st.ThreadsTotal} thread${st.ThreadsTotal === 1 ? '' : 's'}, ${mib(st.MemTotal)} of memory)${incomplete ? ' (the core dump could be incomplete: Delve read less memory than it mapped)' : ''}`,
        `open it with \`core ${binary.path} ${words[0]}\`${binary.note}`,
      ].join('\n');
      progress.done(`dumped ${mib(size)}`);
      return { 'text/plain': text, 'application/json': { kind: 'dump', file, bytes: size, threads: st.ThreadsTotal, memoryBytes: st.MemTotal, incomplete, binary: binary.path } };
    },
  },
];

/** The binary `core` needs with the dump, as the user can name it. */
function binaryOf(spec: SessionSpec, pid: number): { path: string; note: string } {
  if (spec.kind === 'exec') return { path: spec.binary, note: '' };
  let exe: string | undefined;
  try {
    exe = pid ? fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '') : undefined;
  } catch {
    exe = undefined;
  }
  if (spec.kind === 'debug') return { path: exe ?? 'BINARY', note: ' (the debug build is removed when this session ends: copy it first to open the core later)' };
  return { path: exe ?? 'BINARY', note: exe ? '' : ' (BINARY: the program the process runs)' };
}
