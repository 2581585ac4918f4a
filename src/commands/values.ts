// Values and names: print, locals, args, vars, funcs, types, sources, regs, examinemem.
import type { MimeBundle } from '../../kernel/interpreter';
import { splitWords } from '../cell';
import { UserError, usage } from '../errors';
import { Kind, type LoadConfig, type TypeInfo, type Variable } from '../rpc/api';
import { defaultLoadConfig } from '../rpc/delve-client';
import { escapeHtml, hex } from '../render/html';
import { tableBundle } from '../render/table';
import { formatValue, valueBundle, valueSummary } from '../render/value';
import { askDelve } from '../state';
import type { Command, CommandContext } from './command';
import { formatVariable, GO_VERBS, parseGoFormat, type GoFormat } from './print-format';

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

/** Delve's terminal's ShortLoadConfig (whatis, display): enough to name the types. */
export const SHORT_LOAD_CONFIG: LoadConfig = { FollowPointers: false, MaxVariableRecurse: 0, MaxStringLen: 64, MaxArrayValues: 0, MaxStructFields: 3 };

/** api.VariableCPURegister */
const CPU_REGISTER = 128;

/** reflect.Kind's names, as Delve's terminal writes them. */
const KIND_NAMES = ['invalid', 'bool', 'int', 'int8', 'int16', 'int32', 'int64', 'uint', 'uint8', 'uint16', 'uint32', 'uint64', 'uintptr',
  'float32', 'float64', 'complex64', 'complex128', 'array', 'chan', 'func', 'interface', 'map', 'ptr', 'slice', 'string', 'struct', 'unsafe.Pointer'];

/** `%x EXPR` -> the format and the expression (print, display -a); a bad format is a usage error. */
export function formatAndExpr(args: string, command: string, usageLine: string, example: string): { format?: GoFormat; expr: string } {
  if (!args) throw usage(command, usageLine, `what? ${example}`);
  if (!args.startsWith('%')) return { expr: args };
  const m = /^(\S+)\s*([\s\S]*)$/.exec(args)!;
  const format = parseGoFormat(m[1]);
  if (typeof format === 'string') throw usage(command, usageLine, `\`${m[1]}\` is not a format Delve's print takes (${format}); use one Go verb: %x, %X, %o, %b, %d, %c, %q, %U, %e, %f, %g, %s, %t or %v, e.g. \`${command === 'display' ? 'display -a' : command} %x ledger.count\``);
  if (!m[2]) throw usage(command, usageLine, `a format and then what? ${example}`);
  return { format, expr: m[2] };
}

/**
 * `VAR = EXPR` split at its assignment: the first `=` outside quotes that is not part of
 * `==`, `!=`, `<=` or `>=` (Delve's terminal finds it the same way, through Go's parser).
 */
export function splitAssignment(args: string): { symbol: string; value: string } | string {
  let quote: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const c = args[i];
    if (quote) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '=') {
      if (args[i + 1] === '=') {
        i++;
        continue;
      }
      const before = args[i - 1];
      if (before && '!<>'.includes(before)) continue;
      if (before && ':+-*/%&|^'.includes(before)) {
        const name = args.slice(0, i - 1).trim() || 'x';
        return `\`${before}=\` is not taken: write the whole value, \`set ${name} = ${name} ${before === ':' ? '' : before + ' '}…\``;
      }
      const symbol = args.slice(0, i).trim();
      const value = args.slice(i + 1).trim();
      if (!symbol) return 'nothing to set: the variable goes before `=`';
      if (!value) return `set ${symbol} to what? the value goes after \`=\``;
      return { symbol, value };
    }
  }
  return args ? `no \`=\` in \`${args.length > 60 ? args.slice(0, 60) + '…' : args}\`` : 'set what?';
}

/** Delve's not-found error, with package variables of that name suggested (stopped in the runtime, `print queryCache`). */
async function explainNotFound(cx: CommandContext, err: unknown): Promise<never> {
  if (!(err instanceof UserError)) throw err;
  const m = /could not find symbol value for ([A-Za-z_][\w]*)/.exec(err.message);
  if (!m) throw err;
  const s = cx.state.session;
  const name = m[1];
  const found = s ? await s.query.listPackageVars({ Filter: `^(.*\\.)?${name}$`, Cfg: NAMES_ONLY }).catch(() => []) : [];
  const names = [...new Set(found.map((v) => v.name).filter((n) => n.endsWith(`.${name}`)))].sort();
  const where = '`locals`, `args` and `vars RE` list the names in scope; `up`/`frame N` move to a caller';
  if (names.length === 1) throw new UserError(err.ename, err.message, `did you mean \`${names[0]}\`? (a package variable: outside its package it needs the package name; ${where})`);
  if (names.length > 1) throw new UserError(err.ename, err.message, `package variables of that name: ${names.slice(0, 8).map((n) => `\`${n}\``).join(', ')}${names.length > 8 ? `, and ${names.length - 8} more` : ''}; name one with its package (${where})`);
  throw new UserError(err.ename, err.message, where);
}

/** A load config that loads nothing but names and types. */
const NAMES_ONLY: LoadConfig = { FollowPointers: false, MaxVariableRecurse: 0, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: 0 };

function typeInfoBundle(name: string, info: TypeInfo): MimeBundle {
  const kind = KIND_NAMES[info.Kind] ?? String(info.Kind);
  const head = [`${kind} type, size: ${info.Size} bytes`, ...(info.RealType ? [`Real type: ${info.RealType}`] : [])];
  const fields = (info.Fields ?? []).map((f) => ({ field: f.Name, type: f.Type }));
  const methods = (info.Methods ?? []).map((m) => m.Name);
  const bundle: MimeBundle = fields.length
    ? tableBundle({ columns: [{ name: 'field', type: 'string' }, { name: 'type', type: 'string' }], rows: fields, title: head.join('\n') })
    : { 'text/plain': head.join('\n') };
  const text = [head.join('\n'), ...(fields.length ? ['Fields:', ...fields.map((f) => `\t${f.field}\t${f.type}`)] : []), ...(methods.length ? ['Methods:', ...methods.map((m) => `\t${m}`)] : [])];
  bundle['text/plain'] = text.join('\n');
  if (methods.length && bundle['text/html']) bundle['text/html'] += `<p>Methods: ${methods.map((m) => `<code>${escapeHtml(m)}</code>`).join(', ')}</p>`;
  bundle['application/json'] = { kind: 'whatis', expr: name, type: name, goKind: kind, size: info.Size, realType: info.RealType, fields: (info.Fields ?? []).map((f) => ({ name: f.Name, type: f.Type })), methods };
  return bundle;
}

export const valueCommands: Command[] = [
  {
    name: 'print', aliases: ['p'], group: 'looking', completes: 'expressions',
    usage: 'print [%FORMAT] EXPR',
    summary: 'Evaluate a Go expression in the current goroutine and frame.',
    details: 'With a Go fmt format first (`print %x n`, `print %08b flags`, `print %q r`, `print %.2f total`), every number, bool and string in the value is written with it, as Delve\'s terminal does: ' +
      'verbs ' + GO_VERBS + ', flags + - # 0 and space, width and precision. A name not in scope that is a package variable elsewhere is suggested (`did you mean main.queryCache?`).',
    async run(cx) {
      const s = cx.state.need('print');
      const { format, expr } = formatAndExpr(cx.args, 'print', this.usage, 'e.g. `print order`, `print len(ledger.count)` or `print %x ledger.count`');
      const v = await askDelve(`print ${expr}`, () => s.query.eval({ Scope: cx.state.scope, Expr: expr, Cfg: defaultLoadConfig })).catch((err) => explainNotFound(cx, err));
      const shown = format ? formatVariable(v, format) : v;
      const bundle = valueBundle(shown, expr);
      bundle['application/json'] = { kind: 'print', expr, type: v.type, value: formatValue(shown), ...(format ? { format: format.text } : {}) };
      return bundle;
    },
  },
  {
    name: 'set', aliases: [], group: 'looking', completes: 'expressions',
    usage: 'set VAR = EXPR',
    summary: 'Change a variable of the current frame (or any assignable expression), then show its new value.',
    details: 'As Delve\'s `set`: numbers, bools, complex numbers, pointers (any integer converts), nil, an existing string or slice value, an interface{} from a pointer-shaped value, and a copy of an addressable value of the same type. `goroutine N set ...` and `frame N set ...` set it there. Not on a core dump.',
    async run(cx) {
      const s = cx.state.needLive('set');
      const parts = splitAssignment(cx.args);
      if (typeof parts === 'string') throw usage('set', this.usage, `${parts}; e.g. \`set order.ID = 7\` or \`set ledger.count = 0\``);
      const { symbol, value } = parts;
      await askDelve(`set ${symbol} = ${value}`, () => s.query.set({ Scope: cx.state.scope, Symbol: symbol, Value: value })).catch((err) => explainNotFound(cx, err));
      const v = await askDelve(`print ${symbol}`, () => s.query.eval({ Scope: cx.state.scope, Expr: symbol, Cfg: defaultLoadConfig }));
      const text = `${symbol} = ${formatValue(v)}`;
      return {
        'text/plain': text,
        'text/html': `<pre title="${escapeHtml(symbol)}: ${escapeHtml(v.type)}">${escapeHtml(text)}</pre>`,
        'application/json': { kind: 'set', symbol, value, type: v.type, newValue: formatValue(v) },
      };
    },
  },
  {
    name: 'whatis', aliases: [], group: 'looking', completes: 'expressions',
    usage: 'whatis EXPR|TYPE',
    summary: 'The type of an expression (and, for an interface, of the value in it); or what a type is.',
    details: 'As Delve\'s terminal: the type, `Real type:` where a named type differs from its underlying one, `Concrete type:` for an interface that holds a value, `CPU Register` for a register. A type name instead (`whatis main.Order`) shows its kind, size, fields and methods.',
    async run(cx) {
      const s = cx.state.need('whatis');
      if (!cx.args) throw usage('whatis', this.usage, 'of what? e.g. `whatis order`, `whatis ledger` or `whatis main.Order`');
      const v = await askDelve(`whatis ${cx.args}`, () => s.query.eval({ Scope: cx.state.scope, Expr: cx.args, Cfg: SHORT_LOAD_CONFIG })).catch(async (err) => {
        // Not an expression: perhaps a type (Delve 1.27's TypeInfo; older Delves have none).
        const info = await s.query.typeInfo(cx.args).catch(() => null);
        if (info) return info;
        return explainNotFound(cx, err);
      });
      if (!('kind' in v)) return typeInfoBundle(cx.args, v);
      const lines: string[] = [];
      let json: Record<string, unknown>;
      if (v.flags & CPU_REGISTER) {
        lines.push('CPU Register');
        json = { kind: 'whatis', expr: cx.args, type: '', cpuRegister: true };
      } else {
        const concrete = v.kind === Kind.Interface && v.children?.length ? v.children[0].type : undefined;
        if (v.type) lines.push(v.type);
        if (v.realType && v.realType !== v.type) lines.push(`Real type: ${v.realType}`);
        if (concrete !== undefined) lines.push(`Concrete type: ${concrete}`);
        json = { kind: 'whatis', expr: cx.args, type: v.type, realType: v.realType, goKind: KIND_NAMES[v.kind] ?? String(v.kind), ...(concrete !== undefined ? { concreteType: concrete } : {}) };
      }
      return { 'text/plain': lines.join('\n'), 'application/json': json };
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
