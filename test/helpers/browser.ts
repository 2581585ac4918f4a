// Headless Chromium for tests that look at pages as a user would: Debian's /usr/bin/chromium
// driven by playwright-core (never a browser download), pages kept off the network, and
// screenshots under build/screenshots.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from './go';

export const CHROMIUM = '/usr/bin/chromium'; // Debian's chromium (scripts/setup.sh --tests)
export const SCREENSHOTS = path.join(repoRoot, 'build/screenshots');

let launched: Promise<Browser> | undefined;

/** One headless Chromium per test process; closeBrowser() ends it. */
export function browser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: run \`bash scripts/setup.sh --tests\``);
  launched ??= chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'], timeout: 30_000 });
  return launched;
}

export async function closeBrowser(): Promise<void> {
  const b = launched;
  launched = undefined;
  if (b) await (await b.catch(() => undefined))?.close();
}

export interface Watched {
  /** Requests refused because they would have left the machine (or gone to another origin). */
  blocked: string[];
  /** Every URL the page asked for. */
  requested: string[];
  /** Uncaught exceptions and console errors. */
  errors: string[];
}

/**
 * Lets PAGE load only URLs that ALLOWED accepts (by default file:// only), refuses the rest,
 * and records what it asked for and what went wrong in it.
 */
export async function watch(page: Page, allowed: (url: string) => boolean = (u) => u.startsWith('file://')): Promise<Watched> {
  const w: Watched = { blocked: [], requested: [], errors: [] };
  page.on('request', (r) => void w.requested.push(r.url()));
  page.on('pageerror', (e) => void w.errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') w.errors.push(`console: ${m.text()}`);
  });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (allowed(url)) return route.continue();
    w.blocked.push(url);
    return route.abort('blockedbyclient');
  });
  return w;
}

/** A screenshot of PAGE into build/screenshots/NAME.png (the whole page unless fullPage is false). */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/** PID's descendants now (children, their children...), from /proc. */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = Number(fs.readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(p)]);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** The command line of PID, or undefined once it has exited (zombies count as exited). */
export function commandLine(pid: number): string | undefined {
  try {
    if (/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))) return undefined;
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return undefined;
  }
}
