// Which kinds of waited-on object a value of a Go type could reach, from the target's own
// types: for a variable Delve cannot read (optimized away), whether it might have been
// the reference that wakes someone. Sound, not precise: what cannot be told (interfaces,
// funcs, unsafe pointers, maps, types Delve cannot cast to) could reach anything.
import { Kind, type Variable } from '../rpc/api';
import type { DelveClient } from '../rpc/delve-client';
import { SYNC_TYPE } from './runtime-shapes';
import type { ObjectKind } from './types';
import { chanElem } from './reach';

/**
 * What a value may reach: an object kind, or for channels `chan:ELEM` (its element type;
 * `chan:*` any channel), so that an unreadable `*time.Ticker` is not taken for a `chan int`.
 */
export type Reach = Exclude<ObjectKind, 'chan'> | `chan:${string}`;
export const ALL_KINDS: Reach[] = ['chan:*', 'mutex', 'rwmutex', 'waitgroup', 'cond', 'sema'];

const BASIC = /^(u?int(8|16|32|64)?|uintptr|float(32|64)|complex(64|128)|bool|string|byte|rune|struct \{\})$/;
const OPAQUE = /^(func\b|interface \{|error$|any$|unsafe\.Pointer$|map\[|struct \{)/;
const MAX_NESTING = 8;

export class TypeReach {
  private readonly shapes = new Map<string, Promise<Variable | undefined>>();
  private readonly done = new Map<string, Reach[]>();
  private base: Promise<number> | undefined;
  constructor(private readonly client: DelveClient) {}

  /** The object kinds a value of TYPE (as Delve names it) could reach. */
  async of(type: string): Promise<Reach[]> {
    const known = this.done.get(type);
    if (known) return known;
    const kinds = [...(await this.walk(type, new Set(), 0))].sort();
    this.done.set(type, kinds); // only results computed from the top are kept (see walk)
    return kinds;
  }

  /** In-progress types count as reaching nothing more (the least fixed point of the type graph). */
  private async walk(type: string, open: Set<string>, depth: number): Promise<Set<Reach>> {
    const known = this.done.get(type);
    if (known) return new Set(known);
    if (BASIC.test(type) || open.has(type)) return new Set();
    if (depth > MAX_NESTING || OPAQUE.test(type)) return new Set(ALL_KINDS);
    const elemType = chanElem(type);
    if (elemType !== undefined) return new Set([`chan:${elemType}` as Reach]);
    const elem = /^(\*|\[\d*\])(.*)$/.exec(type);
    if (elem) return this.walk(elem[2], open, depth + 1);
    const v = await this.shape(type);
    if (!v) return new Set(ALL_KINDS); // Delve cannot name it (a package path with slashes): anything
    return this.walkValue(v, open, depth);
  }

  /** A loaded value: nested structs come with their fields (no cast needed); the rest by type name. */
  private async walkValue(v: Variable, open: Set<string>, depth: number): Promise<Set<Reach>> {
    const out = new Set<Reach>();
    for (const [kind, name] of Object.entries(SYNC_TYPE)) if (name === v.type) out.add(kind as Reach);
    if (v.type === 'internal/sync.Mutex') out.add('mutex');
    switch (v.kind) {
      case Kind.Struct: {
        open.add(v.type);
        for (const c of v.children ?? []) {
          const kinds = c.kind === Kind.Struct && (c.children?.length || c.len === 0)
            ? await this.walkValue(c, open, depth + 1)
            : await this.walk(c.type, open, depth + 1);
          for (const k of kinds) out.add(k);
        }
        open.delete(v.type);
        return out;
      }
      case Kind.Chan:
        out.add(`chan:${chanElem(v.type) ?? '*'}`);
        return out;
      case Kind.Ptr:
      case Kind.Slice:
      case Kind.Array:
      case Kind.Map:
      case Kind.Interface:
      case Kind.Func:
      case Kind.UnsafePointer:
        return new Set(ALL_KINDS); // a named pointer, slice... type: not worth resolving
      default:
        return out; // numbers, strings, bools
    }
  }

  /** A value of TYPE as Delve loads it, its fields listed (read from some readable memory: only the types matter). */
  private shape(type: string): Promise<Variable | undefined> {
    let p = this.shapes.get(type);
    if (!p) {
      this.base ??= this.client.eval({ Scope: { GoroutineID: -1, Frame: 0 }, Expr: 'runtime.firstmoduledata.text', Cfg: LOAD }).then((v) => Number(v.value) || 0, () => 0);
      p = this.base.then((at) => (at
        ? this.client.eval({ Scope: { GoroutineID: -1, Frame: 0 }, Expr: `*(*${delveTypeName(type)})(0x${at.toString(16)})`, Cfg: LOAD }).catch(() => undefined)
        : undefined));
      this.shapes.set(type, p);
    }
    return p;
  }
}

const LOAD = { FollowPointers: false, MaxVariableRecurse: 4, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: -1 };

/** `example.com/x/pool.Pool` -> `"example.com/x/pool".Pool`: Delve's syntax for a package path with slashes. */
export function delveTypeName(type: string): string {
  const slash = type.lastIndexOf('/');
  if (slash < 0) return type;
  const dot = type.indexOf('.', slash);
  return dot < 0 ? type : `"${type.slice(0, dot)}".${type.slice(dot + 1)}`;
}
