// Go values as Delve returns them (api.Variable), written the way Go engineers read them:
// `main.Order {ID: 1, Customer: "grace", ...}`, on one line when short, indented when not.
import type { MimeBundle } from '../../kernel/interpreter';
import { Kind, type Variable } from '../rpc/api';
import { escapeHtml, hex } from './html';

const ONE_LINE = 100;

export function formatValue(v: Variable, indent = ''): string {
  const flat = formatFlat(v);
  if (flat.length <= ONE_LINE || !hasChildren(v)) return flat;
  return formatIndented(v, indent);
}

function hasChildren(v: Variable): boolean {
  return (v.children?.length ?? 0) > 0 && v.kind !== Kind.Ptr;
}

function more(v: Variable, shown: number): string | undefined {
  return v.len > shown ? `...+${v.len - shown} more` : undefined;
}

/** The value's parts: [label, child] pairs for structs and maps, [undefined, child] otherwise. */
function parts(v: Variable): [string | undefined, Variable][] {
  const children = v.children ?? [];
  if (v.kind === Kind.Map) {
    const out: [string | undefined, Variable][] = [];
    for (let i = 0; i + 1 < children.length; i += 2) out.push([formatFlat(children[i]), children[i + 1]]);
    return out;
  }
  if (v.kind === Kind.Struct) return children.map((c) => [c.name, c]);
  return children.map((c) => [undefined, c]);
}

/** What precedes the parts of a struct, array, slice or map. */
function header(v: Variable): string {
  return v.kind === Kind.Slice ? `${v.type} len: ${v.len}, cap: ${v.cap}, ` : `${v.type} `;
}

function open(v: Variable): [string, string] {
  return v.kind === Kind.Struct ? ['{', '}'] : ['[', ']'];
}

function formatFlat(v: Variable): string {
  const leaf = formatLeaf(v);
  if (leaf !== undefined) return leaf;
  const items = parts(v).map(([label, c]) => (label !== undefined ? `${label}: ` : '') + formatFlat(c));
  const rest = v.kind === Kind.Struct ? undefined : more(v, items.length);
  if (rest) items.push(rest);
  const [l, r] = open(v);
  return `${header(v)}${l}${items.join(', ')}${r}`;
}

function formatIndented(v: Variable, indent: string): string {
  const inner = indent + '\t';
  const items = parts(v).map(([label, c]) => inner + (label !== undefined ? `${label}: ` : '') + formatValue(c, inner) + ',');
  const rest = v.kind === Kind.Struct ? undefined : more(v, items.length);
  if (rest) items.push(inner + rest);
  const [l, r] = open(v);
  return `${header(v)}${l}\n${items.join('\n')}\n${indent}${r}`;
}

/** Values without parts; undefined for structs, arrays, slices, maps and channels. */
function formatLeaf(v: Variable): string | undefined {
  if (v.unreadable) return `(unreadable ${v.unreadable})`;
  switch (v.kind) {
    case Kind.String: {
      const bytes = Buffer.byteLength(v.value); // Go counts a string's length in bytes
      const truncated = v.len > bytes ? `...+${v.len - bytes} more` : '';
      return JSON.stringify(v.value) + truncated;
    }
    case Kind.Ptr: {
      const target = v.children?.[0];
      if (!target || target.addr === 0) return `(${v.type})(nil)`;
      if (target.onlyAddr) return `(${v.type})(${hex(target.addr)})`;
      return '*' + formatFlat(target);
    }
    case Kind.Interface: {
      const concrete = v.children?.[0];
      if (!concrete || (concrete.kind === Kind.Invalid && !concrete.value)) return `${v.type} nil`;
      return `${v.type}(${concrete.type}) ${formatFlat(concrete)}`;
    }
    case Kind.Func:
      return v.value || 'nil';
    case Kind.UnsafePointer:
      return `unsafe.Pointer(${v.value || hex(v.base)})`;
    case Kind.Slice:
    case Kind.Map:
      if (v.base === 0 && v.len === 0 && (v.children?.length ?? 0) === 0) return `${v.type} nil`;
      return undefined;
    case Kind.Chan: {
      // As Delve's terminal: buffered/capacity. Delve's len and cap here count the hchan's
      // fields, so the queue's figures come from its qcount and dataqsiz.
      if (v.base === 0 && (v.children?.length ?? 0) === 0) return `${v.type} nil`;
      const field = (name: string) => v.children?.find((c) => c.name === name)?.value;
      return `${v.type} ${field('qcount') ?? '?'}/${field('dataqsiz') ?? '?'}`;
    }
    case Kind.Array:
    case Kind.Struct:
      return undefined;
    default:
      return v.value;
  }
}

/** One-line form for table cells. */
export function valueSummary(v: Variable): string {
  return formatFlat(v);
}

export function valueBundle(v: Variable, expr: string): MimeBundle {
  const text = formatValue(v);
  return {
    'text/plain': text,
    'text/html': `<pre title="${escapeHtml(expr)}: ${escapeHtml(v.type)}">${escapeHtml(text)}</pre>`,
  };
}
