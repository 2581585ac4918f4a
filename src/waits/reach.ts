// Which addresses a Delve variable reaches: channels (their hchan), pointers (their
// target), and values in place (a struct's fields, a mutex held by value), with the path
// that gets there (`to.mu`, `p.jobs`). Pure: works on Variables already loaded.
import { Kind, type Variable } from '../rpc/api';

export interface Reached {
  address: number;
  path: string;
}

/** Calls visit(address, path, type) for every address VAR reaches, within what was loaded. */
export function reachedAddresses(v: Variable, visit: Visit): void {
  walk(v, v.name, visit, 0);
}

type Visit = (address: number, path: string, type: string) => void;

/**
 * Several paths reach the same address (a pointer to a struct, the struct, its first field):
 * the best names the object itself, by its type, else is the shortest.
 */
export function betterPath(kind: string, a: { path: string; type: string }, b: { path: string; type: string }): boolean {
  const names = (t: string) => (kind === 'chan' ? /chan /.test(t) : new RegExp(`sync\\.${({ mutex: 'Mutex', rwmutex: 'RWMutex', waitgroup: 'WaitGroup', cond: 'Cond' } as Record<string, string>)[kind] ?? '-'}$`).test(t));
  if (names(a.type) !== names(b.type)) return names(a.type);
  return a.path.length < b.path.length;
}

const MAX_DEPTH = 8; // loaded trees are shallow (MaxVariableRecurse); this is only a guard

function walk(v: Variable, path: string, visit: Visit, depth: number): void {
  if (!v || v.unreadable || depth > MAX_DEPTH) return; // not live at this pc: no reference
  switch (v.kind) {
    case Kind.Chan:
      if (v.base) visit(v.base, path, v.type);
      return; // the hchan's own fields reach nothing of the program's
    case Kind.Ptr:
    case Kind.UnsafePointer: {
      const target = Number(v.value);
      if (target) visit(target, path, v.type);
      const pointee = v.children?.[0];
      if (pointee && pointee.addr) walk(pointee, path, visit, depth + 1);
      return;
    }
    case Kind.Struct:
    case Kind.Array:
      if (v.addr) visit(v.addr, path, v.type);
      for (const [i, c] of (v.children ?? []).entries()) walk(c, join(path, c.name || `[${i}]`), visit, depth + 1);
      return;
    case Kind.Interface:
    case Kind.Slice:
    case Kind.Map:
      for (const [i, c] of (v.children ?? []).entries()) walk(c, v.kind === Kind.Interface ? path : join(path, `[${i}]`), visit, depth + 1);
      return;
    default:
      return;
  }
}

function join(path: string, name: string): string {
  if (name.startsWith('[')) return path + name;
  return path ? `${path}.${name}` : name;
}

/** `chan int`, `<-chan int`, `chan<- int` -> `int`; undefined for a type that is no channel's. */
export function chanElem(type: string): string | undefined {
  const m = /^(?:<-)?chan(?:<-)?\s*(.+)$/.exec(type);
  return m ? m[1] : undefined;
}

/** Whether REACH could be the object (KIND, element ELEM when a channel whose type is known). */
export function reachMatches(reach: string, kind: string, elem?: string): boolean {
  if (kind !== 'chan') return reach === kind;
  return reach === 'chan:*' || (reach.startsWith('chan:') && (elem === undefined || reach === `chan:${elem}`));
}
