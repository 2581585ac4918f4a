// A process's mappings, as /proc/PID/maps lists them.
import * as fs from 'node:fs';

export interface Mapping {
  start: number;
  end: number;
  /** 'rw-p', 'r-xp', ... */
  perms: string;
  offset: number;
  inode: number;
  /** File path, '[stack]', '[heap]', ... or '' for anonymous memory. */
  path: string;
}

export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)\s+([0-9a-f]+)\s+\S+\s+(\d+)\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({ start: parseInt(m[1], 16), end: parseInt(m[2], 16), perms: m[3], offset: parseInt(m[4], 16), inode: Number(m[5]), path: m[6].trim() });
  }
  return out;
}

export function readMaps(pid: number): Mapping[] {
  return parseMaps(fs.readFileSync(`/proc/${pid}/maps`, 'utf8'));
}

/** Mappings whose pages can be resident and which pagemap covers (not PROT_NONE reservations, not [vsyscall]). */
export function scannable(m: Mapping): boolean {
  return m.perms.slice(0, 3) !== '---' && m.path !== '[vsyscall]';
}
