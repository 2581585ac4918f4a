// What this kernel can tell about pages. Soft-dirty and idle-page tracking are build
// options (CONFIG_MEM_SOFT_DIRTY, CONFIG_IDLE_PAGE_TRACKING): where they are compiled out
// the bits read as zero, which must not be shown as "nothing was written".
import * as fs from 'node:fs';

export interface KernelFeatures {
  /** pagemap bit 55 works (tested on a page this process just wrote, which is soft-dirty by definition). */
  softDirty: boolean;
  idlePageTracking: boolean;
  /** /proc/kpageflags can be read (root), so huge pages can be found from PFNs. */
  kpageflags: boolean;
  /** /sys/kernel/mm/transparent_hugepage/enabled, e.g. 'madvise'. */
  transparentHugePages: string;
}

let cached: KernelFeatures | undefined;

export function kernelFeatures(): KernelFeatures {
  cached ??= {
    softDirty: softDirtyWorks(),
    idlePageTracking: fs.existsSync('/sys/kernel/mm/page_idle/bitmap'),
    kpageflags: readable('/proc/kpageflags'),
    transparentHugePages: /\[(\w+)\]/.exec(readText('/sys/kernel/mm/transparent_hugepage/enabled'))?.[1] ?? 'unknown',
  };
  return cached;
}

/**
 * Every page of a process that never had its soft-dirty bits cleared reads soft-dirty
 * where the kernel tracks it (new mappings start dirty, and nothing here clears our own),
 * so a present page of ours with bit 55 clear means the kernel does not track it at all.
 */
function softDirtyWorks(): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync('/proc/self/pagemap', 'r');
    const entry = Buffer.alloc(8);
    for (const line of fs.readFileSync('/proc/self/maps', 'utf8').split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) rw-p /.exec(line);
      if (!m) continue;
      for (let at = parseInt(m[1], 16); at < parseInt(m[2], 16) && at < parseInt(m[1], 16) + 64 * 4096; at += 4096) {
        fs.readSync(fd, entry, 0, 8, (at / 4096) * 8);
        const hi = entry.readUInt32LE(4);
        if (hi & 0x80000000) return (hi & (1 << 23)) !== 0; // present: bit 55 answers
      }
    }
    return false;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function readable(file: string): boolean {
  try {
    fs.closeSync(fs.openSync(file, 'r'));
    return true;
  } catch {
    return false;
  }
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
