// The version policy (README, "Supported"): which Delve runs which target, and what the user
// is told. Pure cases first, then real Delves: the pinned 1.27.1 and Debian's 1.20.2, which a
// user may still `connect` to with a Go 1.19 program.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DelveInterpreter } from '../src/interpreter';
import { decideDelve, goRangeOfDelve, installedDelves, PINNED_DELVE } from '../src/session/delve-choice';
import { buildExample, legacy, repoRoot, toolchains } from './helpers/go';
import { fails, ok, rowsOf, run, waitFor } from './helpers/cells';

const policy = suite('version policy');
const dlv127 = { path: '/cache/dlv', version: '1.27.1' };
const dlv120 = { path: '/usr/bin/dlv', version: '1.20.2' };
const dlv124 = { path: '/opt/dlv', version: '1.24.0' };

policy('a Delve whose range covers the target is used as it is', () => {
  assert.equal(decideDelve([dlv120, dlv127], 'go1.26.8', { launching: true }), { delve: dlv127, flags: [] });
  assert.equal(decideDelve([dlv127, dlv120], 'go1.19.8', { launching: true }), { delve: dlv120, flags: [] });
  assert.equal(goRangeOfDelve('1.27.1'), [25, 27]);
  assert.equal(goRangeOfDelve('1.25.1'), [22, 25]);
});

policy('outside every range: the newest sound Delve, the version check off, one line saying so', () => {
  const d = decideDelve([dlv120, dlv127], 'go1.22.12', { launching: true });
  assert.is(d.delve, dlv127);
  assert.equal(d.flags, ['--check-go-version=false']);
  assert.is(d.note, 'note: the target was built with go1.22.12, older than Delve 1.27.1 supports (Go 1.25-1.27); started with --check-go-version=false');
  const newer = decideDelve([dlv127], 'go1.28.0', { launching: true });
  assert.match(newer.note!, /newer than Delve 1\.27\.1 supports/);
  // A server someone else started: nothing to pass, only the note.
  const connected = decideDelve([dlv127], 'go1.22.12', { launching: false });
  assert.equal(connected.flags, []);
  assert.match(connected.note!, /answers may be incomplete/);
});

policy('a Delve older than 1.25 on a Go 1.25+ target is refused with the command that fixes it, unless --any-delve', () => {
  for (const old of [dlv120, dlv124]) {
    assert.throws(() => decideDelve([old], 'go1.25.14', { launching: true }), (err: Error) =>
      err.name === 'LaunchError' && /cannot read the DWARF 5 debug information of go1\.25\.14 binaries/.test(err.message) &&
      err.message.includes('go install github.com/go-delve/delve/cmd/dlv@v1.27.1') && err.message.includes('--any-delve'));
  }
  const forced = decideDelve([dlv120], 'go1.27.4', { launching: true, anyDelve: true });
  assert.is(forced.delve, dlv120);
  assert.match(forced.note!, /^warning: Delve 1\.20\.2 cannot read .* going on because of --any-delve$/);
  // The sound one wins when both are there.
  assert.is(decideDelve([dlv120, dlv127], 'go1.27.4', { launching: true }).delve, dlv127);
});

policy('no Delve at all says how to get one; an unknown Go version takes the newest', () => {
  assert.throws(() => decideDelve([], 'go1.26.8', { launching: true }), /Delve is not installed; run `npm run setup`/);
  assert.equal(decideDelve([dlv120, dlv127], undefined, { launching: true }), { delve: dlv127, flags: [] });
});

policy('set-up installed the pinned Delve where the kernel finds it', async () => {
  assert.ok((await installedDelves()).some((d) => d.version === PINNED_DELVE), `Delve ${PINNED_DELVE} is found`);
});

policy.run();

// Debian's Go 1.19 and Delve 1.20.2: a headless server a user started and connects to.
const old = suite(`connect to Debian's Delve 1.20.2 (${legacy.toolchain.name})`);
const ordersDir = path.join(repoRoot, 'examples', 'orders');

/** Ends a server and its target: a target whose tracer is killed may run on, holding our pipe. */
function stopServer(server: { proc: ChildProcess }, targetPid: number | undefined): void {
  for (const pid of [-server.proc.pid!, targetPid]) {
    try { if (pid) process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  server.proc.stdout!.destroy();
}

function startServer(dlv: string, binary: string): { proc: ChildProcess; address: Promise<string> } {
  const proc = spawn(dlv, ['exec', binary, '--headless', '--api-version=2', '--accept-multiclient', '--listen=127.0.0.1:0', '--check-go-version=false'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  const address = waitFor(() => /127\.0\.0\.1:\d+/.test(out), 10_000).then((up) => {
    if (!up) throw new Error(`${dlv} did not start`);
    return /127\.0\.0\.1:\d+/.exec(out)![0];
  });
  return { proc, address };
}

old('a Go 1.19 program: break, continue, goroutines, bt, print, stackdiff, goroutine-graph', async () => {
  const binary = buildExample('orders', legacy.toolchain);
  const server = startServer(legacy.dlv, binary);
  const it = new DelveInterpreter({ stream() {} }, ordersDir);
  let targetPid: number | undefined;
  try {
    const connected = await run(it, `connect ${await server.address}`);
    assert.is(connected.outcome.status, 'ok');
    assert.not.match(connected.ctx.text('stderr'), /warning|note/, 'Delve 1.20 covers Go 1.19: nothing to say');
    const status = await ok(it, 'status');
    assert.match(String(status['text/plain']), /1\.20\.2/);
    targetPid = Number((status['application/json'] as { pid: string }).pid);
    await ok(it, 'break main.go:42');
    assert.match(String((await ok(it, 'continue'))['text/plain']), /main\.process\(\) .*main\.go:42/);
    const rows = rowsOf(await ok(it, 'goroutines'));
    assert.is(rows.find((r) => r.id === 1)?.waitReason, 'semacquire');
    assert.ok(rows.some((r) => r.startFunction === 'main.worker' && /orders\/main\.go:74$/.test(String(r.goStatement))));
    assert.equal(rowsOf(await ok(it, 'bt')).slice(0, 2).map((f) => f.function), ['main.process', 'main.worker']);
    assert.match(String((await ok(it, 'print order'))['text/plain']), /^main\.Order \{ID: 1, Customer: "grace"/);
    const snap = (await ok(it, 'stackdiff snapshot s1'))['application/json'] as { goroutines: number; partial: boolean };
    assert.is(snap.goroutines, rows.length);
    assert.is(snap.partial, false);
    const graph = (await ok(it, 'goroutine-graph'))['application/json'] as { deadlocks: unknown[]; leaks: unknown[] };
    assert.equal([graph.deadlocks, graph.leaks], [[], []]);
    await ok(it, 'detach');
    assert.is(server.proc.exitCode, null, 'the server is still up');
  } finally {
    await it.shutdown(false);
    stopServer(server, targetPid);
  }
});

old('a Go 1.25+ program under Delve 1.20.2 is refused with what to install; --any-delve goes on', async () => {
  const tc = toolchains().find((t) => t.minor >= 25)!;
  const binary = buildExample('orders', tc);
  const server = startServer(legacy.dlv, binary);
  const it = new DelveInterpreter({ stream() {} }, ordersDir);
  let targetPid: number | undefined;
  try {
    const address = await server.address;
    const refused = await fails(it, `connect ${address}`);
    assert.is(refused.ename, 'LaunchError');
    assert.match(refused.evalue, /Delve 1\.20\.2 cannot read the DWARF 5 debug information of go1\.\d+\.\d+ binaries/);
    assert.match(refused.evalue, /go install github\.com\/go-delve\/delve\/cmd\/dlv@v1\.27\.1/);
    assert.match(String((await ok(it, 'status'))['text/plain']), /no target/);
    const forced = await run(it, `connect --any-delve ${address}`);
    assert.is(forced.outcome.status, 'ok');
    assert.match(forced.ctx.text('stderr'), /warning: Delve 1\.20\.2 cannot read .* going on because of --any-delve/);
    targetPid = it.state.session?.pid;
  } finally {
    await it.shutdown(false);
    stopServer(server, targetPid);
  }
});

old.run();
