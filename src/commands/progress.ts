// Progress of long work in the cell: one display, shown at the first report and replaced by
// later ones (update_display_data), at most five times a second so that 10,000 steps do not
// flood the notebook. When the work ends the display becomes a one-line summary: a frontend
// cannot remove a display_data (clear_output would take the cell's other outputs with it),
// and an emptied one still shows as a blank output in JupyterLab, the Notebook and saved files.
import type { MimeBundle } from '../../kernel/interpreter';
import type { CommandContext } from './command';

const EVERY_MS = 200;

export interface Progress {
  /** A step; skipped when the last one was shown less than 200 ms ago. */
  report(data: string | MimeBundle): void;
  /**
   * The last word, a one-line summary, always shown; nothing when nothing was reported.
   * Empty, it says `COMMAND: done in N s`, so that no empty output is left behind.
   */
  done(data: string | MimeBundle): void;
}

/** `WHAT: 3 of 10`; `WHAT: 3` while the total is not known; `WHAT` before the first: never "0 of 0". */
export function counted(what: string, done: number, total: number): string {
  if (total > 0) return `${what}: ${done} of ${total}`;
  return done > 0 ? `${what}: ${done}` : what;
}

/** COMMAND names the display (its id), for frontends and tests. */
export function progressDisplay(cx: CommandContext, command: string): Progress {
  const id = `${command}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const started = Date.now();
  let shown = false;
  let lastShown = 0;
  const show = (data: string | MimeBundle) => {
    const bundle = typeof data === 'string' ? { 'text/plain': data } : data;
    if (shown) cx.out.updateDisplay(id, bundle);
    else cx.out.display(bundle, {}, id);
    shown = true;
    lastShown = Date.now();
  };
  return {
    report(data) {
      if (!shown || Date.now() - lastShown >= EVERY_MS) show(data);
    },
    done(data) {
      if (!shown) return;
      const empty = typeof data === 'string' ? data.trim() === '' : !String(data['text/plain'] ?? '').trim();
      show(empty ? `${command}: done in ${((Date.now() - started) / 1000).toFixed(1)} s` : data);
    },
  };
}
