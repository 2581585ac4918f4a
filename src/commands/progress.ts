// Progress of long work in the cell: one display, shown at the first report and replaced by
// later ones (update_display_data), at most five times a second so that 10,000 steps do not
// flood the notebook.
import type { MimeBundle } from '../../kernel/interpreter';
import type { CommandContext } from './command';

const EVERY_MS = 200;

export interface Progress {
  /** A step; skipped when the last one was shown less than 200 ms ago. */
  report(data: string | MimeBundle): void;
  /** The last word, always shown ('' clears the line); nothing when nothing was reported. */
  done(data: string | MimeBundle): void;
}

/** COMMAND names the display (its id), for frontends and tests. */
export function progressDisplay(cx: CommandContext, command: string): Progress {
  const id = `${command}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
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
      if (shown) show(data);
    },
  };
}
