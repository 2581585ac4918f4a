// `goroutines` with Delve's flags, through a real Jupyter client (jupyter_client, from the
// installed kernelspec): -group tables whose counts are the plain list's, -with/-without
// filtered by Delve (complements of each other), -l labels, -chan waiters, -exec in each
// goroutine, and a bad flag answered with the usage. examples/stackdiff at its second
// checkpoint: 3 stayers, 4 newcomers and a goroutine labelled job=stackdiff parked on
// main.forever, a deep one on main.deeper; examples/parked links runtime/cgo, so from Go
// 1.26 Delve also lists and counts a deadextra g that is not a goroutine.
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildExample, repoRoot, toolchains } from './helpers/go';
import { JupyterClientKernel, allText, jsonOf, textOf, type DriverExchange } from './helpers/jupyter-driver';

const test = suite('goroutines flags (jupyter_client)');

interface Row { id: number; status: string; waitReason: string; function: string; file: string; line: number; startFunction: string; labels?: Record<string, string> }
interface Group { group: string; count: number; ids: number[] }

async function ok(k: JupyterClientKernel, code: string): Promise<DriverExchange> {
  const ex = await k.execute(code, 60);
  assert.is(ex.reply.content.status, 'ok', `${code}: ${allText(ex)}`);
  return ex;
}

async function rows(k: JupyterClientKernel, code: string): Promise<Row[]> {
  const json = jsonOf(await ok(k, code));
  assert.is(json.kind, 'goroutines', code);
  return json.goroutines;
}

async function groups(k: JupyterClientKernel, code: string): Promise<{ json: any; byName: Map<string, Group>; text: string }> {
  const ex = await ok(k, code);
  const json = jsonOf(ex);
  assert.is(json.kind, 'goroutineGroups', code);
  return { json, byName: new Map(json.groups.map((g: Group) => [g.group, g])), text: textOf(ex) };
}

const ids = (rs: Row[]) => rs.map((r) => r.id).sort((a, b) => a - b);

/** Groups' counts are the plain list's, their ids are among its rows, at most 5 each, and they add up to its total. */
function sameCounts(plain: Row[], grouped: Map<string, Group>, keyOf: (r: Row) => string, what: string): void {
  const counts = new Map<string, number>();
  for (const r of plain) counts.set(keyOf(r), (counts.get(keyOf(r)) ?? 0) + 1);
  assert.equal(new Map([...grouped].map(([name, g]) => [name, g.count])), counts, `${what}: a group per kind of row, counted alike`);
  for (const [name, g] of grouped) {
    assert.ok(g.ids.length === Math.min(5, g.count), `${what} ${name}: up to 5 ids`);
    for (const id of g.ids) assert.is(keyOf(plain.find((r) => r.id === id)!), name, `${what}: goroutine ${id} belongs to ${name}`);
  }
}

async function usageError(k: JupyterClientKernel, code: string, says: RegExp): Promise<void> {
  const ex = await k.execute(code, 30);
  const c = ex.reply.content;
  assert.is(c.status, 'error', code);
  assert.is(c.ename, 'UsageError', `${code}: ${c.evalue}`);
  const text = `${c.evalue}\n${(c.traceback ?? []).join('\n')}`;
  assert.match(text, says, code);
  assert.match(text, /usage: goroutines \[-w\] \[-l\] \[-with KIND/, `${code}: the usage is shown`);
}

for (const tc of toolchains()) {
  test(`${tc.name}: -group, -with/-without, -l, -chan, -exec, bad flags`, async () => {
    const stackdiff = buildExample('stackdiff', tc);
    const parked = buildExample('parked', tc);
    const many = buildExample('many', tc);
    const k = await JupyterClientKernel.start(`goroutines-flags-${tc.name}`, path.join(repoRoot, 'examples/stackdiff'));
    try {
      // The flags are in the command table: help lists them.
      const help = await ok(k, 'help goroutines');
      assert.match(textOf(help), /flags:\n/);
      assert.match(textOf(help), /^ {4}-without KIND \[ARG\] \(-wo\) +only goroutines that do not match/m);
      assert.match(textOf(help), /^ {4}-group KIND \[KEY\] +one row per group/m);
      assert.ok(jsonOf(help).flags.some((f: { name: string; completes?: string }) => f.name === '-chan' && f.completes === 'expressions'));

      await ok(k, `exec ${stackdiff}\nbreak main.checkpoint\ncontinue\ncontinue`);
      const all = await rows(k, 'goroutines');
      assert.ok(all.length >= 10, `main, 9 of its own and the runtime's: ${all.length}`);
      const parkedOnForever = all.filter((r) => r.function === 'main.park');
      assert.is(parkedOnForever.length, 8, 'stayers, newcomers and the labelled one wait on main.forever');

      // -group: counts as the plain list's; totals said.
      const byUserloc = await groups(k, 'goroutines -group userloc');
      sameCounts(all, byUserloc.byName, (r) => `${r.file}:${r.line} in ${r.function}`, '-group userloc');
      assert.is(byUserloc.json.total, all.length);
      assert.match(byUserloc.text, new RegExp(`^${all.length} goroutines in ${byUserloc.byName.size} groups by userloc`));
      assert.match(byUserloc.text, /main\.go:\d+ in main\.park\s+8\s+(\d+ ){4}\d+ …/, 'module-relative, the count, 5 ids and more');
      assert.is(byUserloc.json.tooManyGroups, false);

      // -with user / -without user: complements, no runtime goroutine among the user ones.
      const user = await rows(k, 'goroutines -with user');
      const runtime = await rows(k, 'goroutines -without user');
      assert.equal(ids([...user, ...runtime]), ids(all), 'together, every goroutine');
      assert.equal(user.filter((r) => runtime.some((x) => x.id === r.id)), [], 'none in both');
      assert.ok(runtime.length > 0 && runtime.every((r) => r.startFunction.startsWith('runtime.')), 'runtime goroutines only');
      assert.ok(all.some((r) => r.startFunction === 'runtime.forcegchelper'), 'the runtime has its helpers');
      assert.not.ok(user.some((r) => r.startFunction === 'runtime.forcegchelper'), '-with user leaves them out');
      assert.ok(user.some((r) => r.id === 1) && parkedOnForever.every((p) => user.some((r) => r.id === p.id)));
      const byUser = await groups(k, 'goroutines -group user');
      assert.equal([...byUser.byName.values()].map((g) => [g.group, g.count]), [['user=false', runtime.length], ['user=true', user.length]]);

      // Several filters combine; -wo is -without; quoted arguments keep their spaces.
      const combined = await rows(k, 'goroutines -with user -wo userloc main.park');
      assert.equal(ids(combined), ids(user.filter((r) => r.function !== 'main.park')));
      assert.equal(ids(await rows(k, 'goroutines -with userloc "in main.park"')), ids(parkedOnForever));
      assert.equal(ids(await rows(k, 'goroutines -w userloc main.park')), ids(parkedOnForever), '-w KIND is Delve\'s short -with');

      // -l: labels, in the table and the JSON; label filters and groups.
      const labelled = await ok(k, 'goroutines -l');
      const withLabels: Row[] = jsonOf(labelled).goroutines;
      const job = withLabels.filter((r) => r.labels?.job === 'stackdiff');
      assert.is(job.length, 1, 'one goroutine labelled job=stackdiff');
      assert.match(textOf(labelled), /\slabels\n/);
      assert.match(textOf(labelled), /job=stackdiff$/m);
      assert.equal(ids(await rows(k, 'goroutines -with label job=stackdiff')), ids(job));
      assert.equal(ids(await rows(k, 'goroutines -with label job')), ids(job));
      assert.is((await rows(k, 'goroutines -without label job')).length, all.length - 1);
      const byJob = await groups(k, 'goroutines -group label job');
      assert.equal([...byJob.byName.values()].map((g) => [g.group, g.count]), [['job=', all.length - 1], ['job=stackdiff', 1]]);
      assert.equal(byJob.byName.get('job=stackdiff')!.ids, ids(job));

      // -chan: the goroutines blocked on that channel.
      const onForever = await rows(k, 'goroutines -chan main.forever');
      assert.equal(ids(onForever), ids(parkedOnForever));
      assert.ok(onForever.every((r) => r.waitReason === 'chan receive'));
      assert.equal(ids(await rows(k, 'goroutines -chan main.forever -without label job')), ids(parkedOnForever.filter((r) => r.id !== job[0].id)));
      const onDeeper = await rows(k, 'goroutines -chan main.deeper');
      assert.is(onDeeper.length, 1, 'the deep goroutine waits on main.deeper');
      assert.match(onDeeper[0].function, /^main\.descend$/);
      await usageError(k, 'goroutines -chan main.depth', /`-chan main\.depth`: main\.depth is a \*int, not a channel/);
      const noChan = await k.execute('goroutines -chan nosuchchan', 30);
      assert.is(noChan.reply.content.status, 'error');
      assert.match(`${noChan.reply.content.evalue}\n${noChan.reply.content.traceback.join('\n')}`, /print nosuchchan/, 'says how to check the expression');

      // -exec: the command in each goroutine, under a heading each.
      const exec = await ok(k, 'goroutines -chan main.forever -exec bt 5');
      const shown = exec.iopub.filter((m) => m.header.msg_type === 'display_data').map((m) => m.content.data);
      const headings = shown.filter((d) => /^── goroutine \d+: bt 5/.test(d['text/plain']));
      assert.equal(headings.map((d) => Number(/goroutine (\d+)/.exec(d['text/plain'])![1])), ids(parkedOnForever));
      const stacks = shown.filter((d) => d['application/json']?.kind === 'stack');
      assert.equal(stacks.map((d) => d['application/json'].goroutine), ids(parkedOnForever), 'each goroutine\'s own stack');
      assert.ok(stacks.every((d) => d['application/json'].frames.length === 5 && /main\.park/.test(d['text/plain'])));
      assert.is(jsonOf(exec).kind, 'goroutinesExec');
      assert.match(textOf(exec), /^ran `bt 5` in 8 of 8 goroutines$/);
      const grouped = await ok(k, 'goroutines -group label job -with label job -exec print 1');
      assert.equal(jsonOf(grouped).goroutines, [{ id: job[0].id, ok: true }], '-exec after -group runs in the ids shown');

      // -w still lists the waiting ones; bad flags say what to type.
      assert.ok((await rows(k, 'goroutines -w')).every((r) => r.status === 'waiting'));
      await usageError(k, 'goroutines -bogus', /unknown flag `-bogus`: the flags are -w, -l, -with/);
      await usageError(k, 'goroutines -with', /-with needs what to match: `-with userloc main\.go`/);
      await usageError(k, 'goroutines -with nowhere x', /-with does not know `nowhere`/);
      await usageError(k, 'goroutines -without label', /`-without label` needs a key/);
      await usageError(k, 'goroutines -group', /-group needs what to group by/);
      await usageError(k, 'goroutines -group label', /`-group label` needs the label's key/);
      await usageError(k, 'goroutines -chan', /`-chan` needs a channel expression/);
      await usageError(k, 'goroutines -exec', /`-exec` needs a command/);
      await usageError(k, 'goroutines -w -group user', /group with `-group running`/);
      await usageError(k, 'goroutines -t', /`goroutine ID bt` shows a stack/);

      // parked links runtime/cgo: Go 1.26's deadextra g is neither listed nor counted.
      await ok(k, `detach\nexec ${parked}\nbreak parked/main.go:100\ncontinue`);
      const parkedAll = await rows(k, 'goroutines');
      const parkedUser = await groups(k, 'goroutines -group user');
      assert.is(parkedUser.json.total, parkedAll.length, `${tc.name}: the groups count the goroutines the list shows`);
      assert.is(parkedUser.byName.get('user=true')!.count, (await rows(k, 'goroutines -with user')).length);
      sameCounts(parkedAll, (await groups(k, 'goroutines -group userloc')).byName, (r) => `${r.file}:${r.line} in ${r.function}`, 'parked -group userloc');

      // 2,500 goroutines: groups merged over pages, with progress; a channel with 1,250 waiters
      // (more than a page); -exec refuses that many.
      await ok(k, `detach\nexec ${many} -- -n 2500 -depth 2\nbreak many/main.go:62\ncontinue`);
      const manyAll = await rows(k, 'goroutines');
      assert.ok(manyAll.length > 2500, `${manyAll.length}`);
      const groupedEx = await ok(k, 'goroutines -group userloc');
      sameCounts(manyAll, new Map(jsonOf(groupedEx).groups.map((g: Group) => [g.group, g])), (r) => `${r.file}:${r.line} in ${r.function}`, 'many -group userloc');
      const steps = groupedEx.iopub.filter((m) => m.content.transient?.display_id).map((m) => String(m.content.data['text/plain']));
      assert.match(steps[0], /^grouping goroutines: \d+ so far…$/, 'progress while paging');
      assert.is(steps[steps.length - 1], `grouped ${manyAll.length} goroutines`, 'and a summary line');
      const waiters = manyAll.filter((r) => r.function === 'main.receiver' || r.function === 'main.selector');
      assert.is(waiters.length, 1250);
      assert.equal(ids(await rows(k, 'goroutines -chan main.requests')), ids(waiters));
      assert.equal(ids(await rows(k, 'goroutines -chan main.requests -with userloc main.selector')), ids(waiters.filter((r) => r.function === 'main.selector')));
      const byChan = await groups(k, 'goroutines -chan main.requests -group userloc');
      assert.equal([...byChan.byName.values()].map((g) => g.count), [625, 625]);
      const tooMany = await k.execute('goroutines -exec bt', 30);
      assert.is(tooMany.reply.content.ename, 'UsageError');
      assert.match(tooMany.reply.content.evalue, new RegExp(`${manyAll.length} goroutines is too many to run \`bt\` in \\(at most 100 without a filter\\)`));
      assert.match(tooMany.reply.content.traceback.join('\n'), /goroutines -with user -exec/);
      assert.match((await k.execute('goroutines -with user -exec bt', 30)).reply.content.evalue, /at most 1000\)/);
      // The interrupt button stops -exec between goroutines, and says how far it got.
      const sent = await k.send('goroutines -chan main.requests -with userloc main.selector -exec bt');
      await new Promise((r) => setTimeout(r, 300)); // 625 stacks take over a second
      await k.interrupt();
      const stopped = await k.collect(sent, 60);
      assert.is(stopped.reply.content.status, 'ok', allText(stopped));
      const ran = jsonOf(stopped);
      assert.is(ran.interrupted, true);
      assert.ok(ran.goroutines.length < 625, `${ran.goroutines.length} of 625 before the interrupt`);
      assert.match(textOf(stopped), new RegExp(`^ran \`bt\` in ${ran.goroutines.length} of 625 goroutines \\(interrupted\\)$`));
      assert.is(textOf(await ok(k, 'print 1')).trim(), '1', 'the session goes on');
      await ok(k, 'detach');
    } finally {
      const { left } = await k.shutdown([stackdiff, parked, many]);
      assert.equal(left, [], 'nothing left behind');
    }
  });
}

test.run();
