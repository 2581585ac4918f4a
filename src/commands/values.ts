// Values and names: print, locals, args, vars, funcs, types, sources, regs, examinemem.
import type { MimeBundle } from '../../kernel/interpreter';
import { splitWords } from '../cell';
import { UserError, usage } from '../errors';
import { Kind, type Variable } from '../rpc/api';
import { defaultLoadConfig } from '../rpc/delve-client';
import { hex } from '../render/html';
import { tableBundle } from '../render/table';
import { formatValue, valueBundle, valueSummary } from '../render/value';
import { askDelve } from '../state';
import type { Command, CommandContext } from './command';

function variablesBundle(kind: string, vars: Variable[], filter?: string): MimeBundle {
  const re = filter ? safeRegExp(filter) : undefined;
  const rows = vars
    .filter((v) => !re || re.test(v.name))
    .map((v) => ({ name: v.name, type: v.type, value: valueSummary(v) }));
  const bundle = tableBundle({ columns: [{ name: 'name', type: 'string' }, { name: 'type', type: 'string' }, { name: 'value', type: 'string' }], rows });
  bundle['application/json'] = { kind, variables: rows };
  return bundle;
}

function namesBundle(kind: string, column: string, names: string[]): MimeBundle {
  const rows = names.map((n) => ({ [column]: n }));
  const bundle = tableBundle({ columns: [{ name: column, type: 'string' }], rows, title: `${names.length} ${kind}` });
  bundle['application/json'] = { kind, [kind]: names };
  return bundle;
}

function safeRegExp(text: string): RegExp {
  try {
    return new RegExp(text);
  } catch (err) {
    throw new UserError('UsageError', `not a regular expression: ${text} (${(err as Error).message})`, 'e.g. `vars ^main\\.` or `funcs Order`');
  }
}

/** Resolves `x` arguments: a number, or an expression whose value is an address. */
async function addressOf(cx: CommandContext, text: string): Promise<number> {
  if (/^(0x[0-9a-f]+|\d+)$/i.test(text)) return Number(text);
  const s = cx.state.need('examinemem');
  const v = await askDelve(`examinemem ${text}`, () => s.query.eval({ Scope: cx.state.scope, Expr: text, Cfg: { ...defaultLoadConfig, MaxVariableRecurse: 0 } }));
  if (v.kind === Kind.Ptr || v.kind === Kind.UnsafePointer) return v.children?.[0]?.addr ?? Number(v.value);
  if (v.kind >= Kind.Int && v.kind <= Kind.Uintptr) return Number(v.value);
  return v.addr; // the variable's own storage
}

function hexdump(base: number, bytes: Buffer): { address: string; hex: string; ascii: string }[] {
  const rows = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const chunk = bytes.subarray(at, at + 16);
    rows.push({
      address: hex(base + at),
      hex: [...chunk].map((b) => b.toString(16).padStart(2, '0')).join(' '),
      ascii: [...chunk].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join(''),
    });
  }
  return rows;
}

export const valueCommands: Command[] = [
  {
    name: 'print', aliases: ['p'], group: 'looking', completes: 'expressions',
    usage: 'print EXPR',
    summary: 'Evaluate a Go expression in the current goroutine and frame.',
    async run(cx) {
      const s = cx.state.need('print');
      if (!cx.args) throw usage('print', this.usage, 'what? e.g. `print order` or `print len(ledger.count)`');
      const v = await askDelve(`print ${cx.args}`, () => s.query.eval({ Scope: cx.state.scope, Expr: cx.args, Cfg: defaultLoadConfig })).catch((err) => {
        if (err instanceof UserError && /could not find symbol/.test(err.message)) {
          throw new UserError(err.ename, err.message, '`locals`, `args` and `vars RE` list the names in scope; `up`/`frame N` move to a caller');
        }
        throw err;
      });
      const bundle = valueBundle(v, cx.args);
      bundle['application/json'] = { kind: 'print', expr: cx.args, type: v.type, value: formatValue(v) };
      return bundle;
    },
  },
  {
    name: 'locals', aliases: [], group: 'looking', completes: 'nothing',
    usage: 'locals [RE]',
    summary: 'Local variables of the current frame.',
    async run(cx) {
      const s = cx.state.need('locals');
      const vars = await askDelve('locals', () => s.query.listLocalVars({ Scope: cx.state.scope, Cfg: defaultLoadConfig }));
      return variablesBundle('locals', vars, cx.args);
    },
  },
  {
    name: 'args', aliases: [], group: 'looking', completes: 'nothing',
    usage: 'args [RE]',
    summary: 'Arguments of the current frame.',
    async run(cx) {
      const s = cx.state.need('args');
      const vars = await askDelve('args', () => s.query.listFunctionArgs({ Scope: cx.state.scope, Cfg: defaultLoadConfig }));
      return variablesBundle('args', vars, cx.args);
    },
  },
  {
    name: 'vars', aliases: [], group: 'looking', completes: 'nothing',
    usage: 'vars [RE]',
    summary: 'Package variables whose names match RE.',
    async run(cx) {
      const s = cx.state.need('vars');
      safeRegExp(cx.args);
      const vars = await askDelve(`vars ${cx.args}`, () => s.query.listPackageVars({ Filter: cx.args, Cfg: { ...defaultLoadConfig, MaxVariableRecurse: 0, MaxArrayValues: 8 } }));
      return variablesBundle('vars', vars);
    },
  },
  {
    name: 'funcs', aliases: [], group: 'looking', completes: 'nothing',
    usage: 'funcs [RE]',
    summary: 'Functions whose names match RE.',
    async run(cx) {
      const s = cx.state.need('funcs');
      safeRegExp(cx.args);
      return namesBundle('funcs', 'function', await askDelve(`funcs ${cx.args}`, () => s.query.listFunctions({ Filter: cx.args })));
    },
  },
  {
    name: 'types', aliases: [], group: 'looking', completes: 'nothing',
    usage: 'types [RE]',
    summary: 'Types whose names match RE.',
    async run(cx) {
      const s = cx.state.need('types');
      safeRegExp(cx.args);
      return namesBundle('types', 'type', await askDelve(`types ${cx.args}`, () => s.query.listTypes({ Filter: cx.args })));
    },
  },
  {
    name: 'sources', aliases: [], group: 'looking', completes: 'nothing',
    usage: 'sources [RE]',
    summary: 'Source files whose paths match RE.',
    async run(cx) {
      const s = cx.state.need('sources');
      safeRegExp(cx.args);
      return namesBundle('sources', 'file', await askDelve(`sources ${cx.args}`, () => s.query.listSources({ Filter: cx.args })));
    },
  },
  {
    name: 'regs', aliases: [], group: 'looking', completes: 'nothing',
    usage: 'regs',
    summary: "The current thread's CPU registers.",
    async run(cx) {
      const s = cx.state.need('regs');
      const st = await askDelve('regs', () => s.query.state());
      const thread = st.currentThread?.id;
      if (thread === undefined) throw new UserError('DelveError', 'no current thread');
      const regs = await askDelve('regs', () => s.query.listRegisters({ ThreadID: thread, IncludeFp: false }));
      const rows = regs.map((r) => ({ name: r.Name, value: r.Value }));
      const bundle = tableBundle({ columns: [{ name: 'name', type: 'string' }, { name: 'value', type: 'string' }], rows, title: `thread ${thread}` });
      bundle['application/json'] = { kind: 'regs', thread, registers: rows };
      return bundle;
    },
  },
  {
    name: 'examinemem', aliases: ['x'], group: 'looking', completes: 'expressions',
    usage: 'examinemem [-len N] ADDRESS|-x EXPR',
    summary: 'Show raw memory as hex and ASCII.',
    details: 'ADDRESS is a number (0xc000010000); -x EXPR takes the address from a pointer or integer expression. -len defaults to 64 bytes, at most 4096.',
    async run(cx) {
      const s = cx.state.need('examinemem');
      const words = splitWords(cx.args);
      let length = 64;
      let target: string | undefined;
      for (let i = 0; i < words.length; i++) {
        const w = words[i];
        if (w === '-len' || w === '-count') length = Number(words[++i]);
        else if (w === '-x') target = words.slice(i + 1).join(' '), (i = words.length);
        else if (w === '-fmt' || w === '-size') i++; // Delve's formatting flags: the table shows hex and ASCII always
        else target = w;
      }
      if (!target || !Number.isInteger(length) || length <= 0) throw usage('examinemem', this.usage);
      length = Math.min(length, 4096);
      const address = await addressOf(cx, target);
      // Delve 1.20 answers at most 1,000 bytes a call.
      const chunks: Promise<Buffer>[] = [];
      for (let at = 0; at < length; at += 1000) {
        chunks.push(askDelve(`examinemem ${hex(address + at)}`, () => s.query.examineMemory({ Address: address + at, Length: Math.min(1000, length - at) })));
      }
      const bytes = Buffer.concat(await Promise.all(chunks));
      const rows = hexdump(address, bytes);
      const bundle = tableBundle({ columns: [{ name: 'address', type: 'string' }, { name: 'hex', type: 'string' }, { name: 'ascii', type: 'string' }], rows });
      bundle['text/plain'] = rows.map((r) => `${r.address}:  ${r.hex.padEnd(47)}  ${r.ascii}`).join('\n');
      bundle['application/json'] = { kind: 'examinemem', address, length: bytes.length, hex: bytes.toString('hex') };
      return bundle;
    },
  },
];
