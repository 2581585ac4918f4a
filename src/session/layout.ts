// Where a struct's fields lie, taken from the target's own types (DWARF, through Delve) by
// loading one real value and subtracting addresses: field offsets move between Go
// releases (atomicstatus became atomic.Uint32 in 1.20, mspan.nelems uint16 in 1.22...).
import type { EvalScope, Variable } from '../rpc/api';
import type { DelveClient } from '../rpc/delve-client';
import { Kind } from '../rpc/api';

export interface FieldLayout {
  /** Byte offset from the start of the outermost struct. */
  offset: number;
  type: string;
  kind: number;
}

/** 'stack.lo' -> layout, for every field DEPTH levels deep, of the struct EXPR evaluates to (or points to). */
export async function structLayout(client: DelveClient, scope: EvalScope, expr: string, depth = 2): Promise<Map<string, FieldLayout>> {
  const v = await client.eval({
    Scope: scope,
    Expr: expr,
    Cfg: { FollowPointers: true, MaxVariableRecurse: depth, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: -1 },
  });
  const root = v.kind === Kind.Ptr ? v.children?.[0] : v;
  if (!root || root.kind !== Kind.Struct) throw new Error(`${expr} is not a struct (it is ${v.type})`);
  const fields = new Map<string, FieldLayout>();
  const walk = (s: Variable, prefix: string) => {
    for (const c of s.children ?? []) {
      const name = prefix + c.name;
      fields.set(name, { offset: c.addr - root.addr, type: c.type, kind: c.kind });
      if (c.kind === Kind.Struct) walk(c, name + '.');
    }
  };
  walk(root, '');
  return fields;
}

/** The offset of FIELD, or of the first of several names it had across Go releases. */
export function offsetOf(layout: Map<string, FieldLayout>, ...names: string[]): number {
  for (const n of names) {
    const f = layout.get(n);
    if (f) return f.offset;
  }
  throw new Error(`none of the fields ${names.join(', ')} is in this Go release's struct`);
}
