// A retaining path in the target's own words: the root as a package variable or a frame's
// variable, then each hop as the field (or element) that holds the pointer, found by laying
// the type known so far over the object through Delve (`main.srv.workers[3].results`).
// Where the type is not known (an interface's dynamic value, a map's buckets), the hop is
// an offset (`+0x18`).
import { Kind, type Variable } from '../rpc/api';
import type { DelveClient } from '../rpc/delve-client';
import type { Hop, RetainingPath } from '../analyses/retain';
import { delveTypeName } from '../waits/type-reach';

const SCOPE = { GoroutineID: -1, Frame: 0 };
const ONE_LEVEL = { FollowPointers: false, MaxVariableRecurse: 1, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: -1 };

export interface NamedPath {
  /** `main.srv`, `goroutine 12 main.(*Pool).run p`, `a pending timer`. */
  root: string;
  /** `.workers[3].results`, or offsets where types are unknown. */
  path: string;
}

export async function namePath(client: DelveClient, p: RetainingPath, frameName: (goroutine: number, frame: number) => Promise<{ where: string; variable?: Variable }>): Promise<NamedPath> {
  const place = p.root.place;
  let root: string;
  let type: string | undefined;
  let at = p.root.value; // where in the first object the root points
  if (place.kind === 'global') {
    root = place.symbol;
    const v = await client.eval({ Scope: SCOPE, Expr: delveTypeName(place.symbol), Cfg: ONE_LEVEL }).catch(() => undefined);
    const field = v && place.offset ? deepest(v, v.addr + place.offset) : undefined;
    if (field) root += field.path;
    else if (place.offset) root += `+0x${place.offset.toString(16)}`;
    type = field ? field.type : v && !place.offset ? v.type : undefined;
  } else if (place.kind === 'stack' || place.kind === 'defer') {
    const f = await frameName(place.goroutine, place.frame);
    root = `goroutine ${place.goroutine} ${f.where}${f.variable ? ` ${f.variable.name}` : place.kind === 'defer' ? ' a deferred call' : ` sp slot 0x${(place.kind === 'stack' ? place.slot : 0).toString(16)}`}`;
    type = f.variable?.type;
  } else if (place.kind === 'register') {
    root = `goroutine ${place.goroutine} register ${place.register}`;
  } else {
    root = 'a pending timer';
  }
  const parts: string[] = [];
  for (const [i, hop] of p.hops.entries()) {
    // TYPE is the type of the pointer that led here: its pointee lies at the object's start.
    const pointee = type ? pointeeOf(type) : undefined;
    const inside = at - hop.start;
    if (i === p.hops.length - 1) {
      if (inside > 0) parts.push(`${parts.length ? ' ' : ''}(points at +0x${inside.toString(16)})`);
      break;
    }
    const field = pointee ? await fieldAt(client, pointee, hop, hop.offset) : undefined;
    if (field) {
      parts.push(field.name);
      type = field.type;
    } else {
      parts.push(`${parts.length ? ' → ' : ''}+0x${hop.offset.toString(16)}${i + 1 < p.hops.length - 1 ? '' : ' →'}`);
      type = undefined;
    }
    at = p.hops[i + 1].start; // conservatively, pointers are taken to the next object's start
  }
  return { root, path: parts.join('') };
}

/** `*T` -> T; a slice's or channel's buffer is its element array; anything else is not followed by type. */
function pointeeOf(type: string): { type: string; array?: boolean } | undefined {
  if (type.startsWith('*')) return { type: type.slice(1) };
  const slice = /^\[\](.+)$/.exec(type);
  if (slice) return { type: slice[1], array: true };
  return undefined;
}

/** The field of POINTEE at OFFSET into the object at HOP: its name as a path step, and its type. */
async function fieldAt(client: DelveClient, pointee: { type: string; array?: boolean }, hop: Hop, offset: number): Promise<{ name: string; type: string } | undefined> {
  const v = await client.eval({ Scope: SCOPE, Expr: `*(*${delveTypeName(pointee.type)})(0x${hop.start.toString(16)})`, Cfg: ONE_LEVEL }).catch(() => undefined);
  if (!v) return undefined;
  let prefix = '';
  let base = v;
  if (pointee.array) {
    // An element of the backing array: its index from the element's size (the next one's address).
    const size = await elementSize(client, pointee.type, hop.start);
    if (!size) return undefined;
    const index = Math.floor(offset / size);
    prefix = `[${index}]`;
    offset -= index * size;
    if (v.kind !== Kind.Struct) return { name: prefix, type: v.type };
  }
  const field = deepest(base, hop.start + offset);
  if (!field) return prefix ? { name: prefix, type: v.type } : undefined;
  return { name: `${prefix}${field.path}`, type: field.type };
}

/** The innermost field of struct V holding ADDRESS, as `.a.b`. */
function deepest(v: Variable, address: number): { path: string; type: string } | undefined {
  if (v.kind !== Kind.Struct) return undefined;
  const fields = (v.children ?? []).filter((c) => c.addr <= address).sort((a, b) => b.addr - a.addr);
  const f = fields[0];
  if (!f) return undefined;
  const inner = f.kind === Kind.Struct ? deepest(f, address) : undefined;
  return inner ? { path: `.${f.name}${inner.path}`, type: inner.type } : { path: `.${f.name}`, type: f.type };
}

async function elementSize(client: DelveClient, type: string, at: number): Promise<number> {
  const v = await client.eval({ Scope: SCOPE, Expr: `(*[2]${delveTypeName(type)})(0x${at.toString(16)})`, Cfg: { ...ONE_LEVEL, FollowPointers: true, MaxArrayValues: 2 } }).catch(() => undefined);
  const kids = v?.children?.[0]?.children;
  return kids && kids.length === 2 ? kids[1].addr - kids[0].addr : 0;
}
