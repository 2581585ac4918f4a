// The notebooks executed headless: scripts/notebooks.sh runs each notebooks/NAME.ipynb with
// nbclient and writes build/notebooks/NAME.ipynb and NAME.html. Run once per test process.
// (A minimal version, written for test/browser.test.ts before the notebooks' own helper.)
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './go';

export interface ExecutedNotebook {
  name: string;
  ipynb: string;
  html: string;
}

let executed: Promise<ExecutedNotebook[]> | undefined;

/** Every notebooks/NAME.ipynb, executed by scripts/notebooks.sh (once per process). */
export function executedNotebooks(): Promise<{ name: string; ipynb: string; html: string }[]> {
  executed ??= new Promise((resolve, reject) => {
    const names = fs.readdirSync(path.join(repoRoot, 'notebooks')).filter((f) => f.endsWith('.ipynb')).map((f) => f.slice(0, -'.ipynb'.length)).sort();
    execFile('bash', ['scripts/notebooks.sh', ...names], { cwd: repoRoot, maxBuffer: 64 << 20, timeout: 600_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`scripts/notebooks.sh failed: ${err.message}\n${stdout}\n${stderr}`));
      const out = path.join(repoRoot, 'build/notebooks');
      const notebooks = names.map((name) => ({ name, ipynb: path.join(out, `${name}.ipynb`), html: path.join(out, `${name}.html`) }));
      const missing = notebooks.flatMap((nb) => [nb.ipynb, nb.html]).filter((f) => !fs.existsSync(f));
      if (missing.length) return reject(new Error(`scripts/notebooks.sh wrote no ${missing.join(', ')}\n${stdout}\n${stderr}`));
      resolve(notebooks);
    });
  });
  return executed;
}
