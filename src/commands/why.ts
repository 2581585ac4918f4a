// why ADDR|EXPR: what keeps an object alive. The heap graph and every root are read from
// the stopped target as goroutine-graph reads them, then the shortest pointer chains from
// distinct roots to the object are named from the target's types.
import { UserError, usage } from '../errors';
import { retainingPaths, rootsOf } from '../analyses/retain';
import type { GoroutineRoots } from '../analyses/waitgraph/reachability';
import { isMachineryFrame } from '../waits/classify';
import { objectAt, objectExtent } from '../reach/heap-graph';
import { reachLayouts, readHeapAndRoots, scanStacks, variableInSlot } from '../reach/capture';
import { namePath } from '../reach/name-path';
import { captureStacks } from '../capture/capture-stacks';
import { loadFuncTable } from '../capture/binary';
import { runtimeLayout } from '../heap/runtime-layout';
import { openMemory } from '../session/memory';
import { tableBundle } from '../render/table';
import { hex } from '../render/html';
import { askDelve } from '../state';
import { addressOf, parseAddress } from './memwatch';
import type { Command } from './command';
import { progressDisplay } from './progress';

const USAGE = 'why ADDR|EXPR';
const PATHS = 5;
/** Paths looked for before choosing: a package variable's may be longer than a goroutine's. */
const CANDIDATES = 50;

export const whyCommand: Command = {
  name: 'why', aliases: [], group: 'analyses', completes: 'expressions', usage: USAGE,
  summary: 'What keeps an object alive: the retaining paths from package variables, goroutine frames and timers.',
  details:
    'Walks the whole heap from its roots, as the GC marks it, and prints up to 5 shortest chains of pointers to the object '
    + 'at ADDR (or that EXPR points to), each from a different root, named by field where the target\'s types say '
    + '(`main.srv.workers[3].results`, `goroutine 12 main.(*Pool).run p.jobs`). An object no root reaches is garbage the next GC frees.',
  async run(cx) {
    const s = cx.state.need('why');
    const text = cx.args.trim();
    if (!text) throw usage('why', USAGE, 'which object? e.g. `why srv.jobs`, or an address as `print &x` shows it (`why 0x…`)');
    if (s.running) throw new UserError('TargetRunning', '`why` needs the target stopped', 'press interrupt or type `halt` first');
    const address = parseAddress(text) ?? (await addressOf(cx, s, text, 'why'));
    const display = progressDisplay(cx, 'why');
    const say = (m: string) => display.report(`why: ${m}…`);
    say('reading goroutines');
    const taken = await askDelve('why', () => captureStacks(s, { name: 'why', method: 'auto', signal: cx.signal, maxFrames: 50 }));
    const memory = await openMemory(s);
    const loaded = await loadFuncTable(s).catch((err: Error) => {
      void memory.close();
      throw new UserError('NotAvailable', `why: the binary's function table cannot be read (${err.message})`);
    });
    try {
      const [layout, layouts] = await Promise.all([runtimeLayout(s, memory), reachLayouts(s)]);
      const notes: string[] = [];
      const heap = await readHeapAndRoots(memory, layout, layouts, loaded, taken.gstructs, [], notes, cx.signal, say);
      const target = objectAt(heap.graph, address);
      if (target < 0) {
        throw new UserError('NotAvailable', `why: ${hex(address)} is not in an allocated heap object`, '`memwatch span ADDR` says what the runtime knows of it; package variables and stacks are roots themselves');
      }
      say('reading stacks');
      const stacks = await scanStacks(memory, loaded.table, layouts, taken.gstructs, taken.running);
      say('finding the paths');
      // The program's own variables first: a waiter's runtime frames point at what it waits on too.
      const machinery = (set: GoroutineRoots, i: number) => i < set.stack.values.length && isMachineryFrame(stacks.scanned.get(set.goroutine)?.frames[set.stack.frames[i]]?.function ?? '');
      const sets = [...stacks.goroutineRoots.values()];
      let paths = retainingPaths(heap.graph, rootsOf(heap.roots, sets, machinery), target, CANDIDATES);
      if (paths.length === 0) paths = retainingPaths(heap.graph, rootsOf(heap.roots, sets), target, CANDIDATES);
      // Package variables first (they keep it for ever), then the shortest.
      paths = paths.map((p, i) => ({ p, i })).sort((a, b) => Number(b.p.root.place.kind === 'global') - Number(a.p.root.place.kind === 'global') || a.i - b.i).slice(0, PATHS).map((x) => x.p);
      const byId = new Map(taken.capture.goroutines.map((g) => [g.id, g.frames.filter((f) => !f.inlined)]));
      const frameName = async (goroutine: number, frame: number) => {
        const f = byId.get(goroutine)?.[frame];
        const where = f ? f.function : `frame ${frame}`;
        const logical = taken.capture.goroutines.find((g) => g.id === goroutine)?.frames.indexOf(f!) ?? -1;
        if (logical < 0) return { where };
        const cfg = { FollowPointers: false, MaxVariableRecurse: 0, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: 0 };
        const scope = { GoroutineID: goroutine, Frame: logical };
        const vars = [...await s.query.listFunctionArgs({ Scope: scope, Cfg: cfg }).catch(() => []), ...await s.query.listLocalVars({ Scope: scope, Cfg: cfg }).catch(() => [])];
        const root = paths.find((p) => p.root.place.kind === 'stack' && p.root.place.goroutine === goroutine && p.root.place.frame === frame)?.root;
        const variable = root?.place.kind === 'stack' ? variableInSlot(vars, root.place.slot, root.value) : undefined;
        return { where, ...(variable ? { variable } : {}) };
      };
      const named = [];
      for (const p of paths) named.push({ ...(await namePath(s.query, p, frameName)), objects: p.hops.length });
      const { start, size } = objectExtent(heap.graph, target);
      const head = `${hex(address)} is ${address > start ? `at +0x${(address - start).toString(16)} in ` : ''}the heap object ${hex(start)} (${size} bytes): `
        + (named.length === 0 ? 'no root reaches it: it is garbage the next GC frees' : `${named.length === PATHS ? `the ${PATHS} shortest of its` : named.length} retaining path${named.length === 1 ? '' : 's'}`);
      display.done(`why: ${named.length} path(s)`);
      const bundle = tableBundle({
        title: head,
        columns: [{ name: 'root', type: 'string' }, { name: 'path', type: 'string' }, { name: 'objects', type: 'integer' }],
        rows: named.map((n) => ({ root: n.root, path: n.path || '(points to it directly)', objects: n.objects })),
      });
      const allNotes = [...notes, ...(stacks.unscanned.length ? [`the stacks of ${stacks.unscanned.length} goroutine(s) could not be read: paths from them are missing`] : [])];
      if (allNotes.length) bundle['text/plain'] = `${bundle['text/plain']}\n${allNotes.map((n) => `note: ${n}`).join('\n')}`;
      bundle['application/json'] = { kind: 'why', address, object: { start, size }, paths: named, notes: allNotes };
      return bundle;
    } finally {
      loaded.close();
      await memory.close();
    }
  },
};
