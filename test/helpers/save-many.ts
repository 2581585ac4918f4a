// For sql.test.ts: saves a capture of N made-up goroutines (20 frames each) named `many`
// to FILE with `snapshots save`'s own code, printing "saving" as the save begins and
// "SAVED" once it is done, so that the test can kill it partway.
import type { Capture } from '../../src/capture/capture';
import { CaptureDatabase } from '../../src/store/database';

async function main(): Promise<void> {
  const [file, count] = process.argv.slice(2);
  const goroutines = Array.from({ length: Number(count) }, (_, i) => ({
    id: i + 1, status: 'waiting', waitReason: 'chan receive', startFunction: `main.worker${i % 7}`, goStatement: '/app/main.go:10', labels: {}, threadId: 0,
    stackLo: 0xc000100000 + i * 8192, stackHi: 0xc000102000 + i * 8192, sp: 0xc000101f00 + i * 8192, stackBytes: 8192, stackInUse: 256, truncated: false,
    frames: Array.from({ length: 20 }, (_, d) => ({ function: d === 0 ? 'runtime.gopark' : `main.f${(i + d) % 300}`, file: '/app/main.go', line: 10 + d, pc: 0x401000 + d * 16 })),
  }));
  const capture: Capture = {
    name: 'many', takenAt: new Date().toISOString(), target: { kind: 'core', session: 'made up', pid: 1 }, method: 'memory', partial: false,
    missing: [], maxFrames: 50_000, durationMs: 0, goroutines,
  };
  const db = await CaptureDatabase.open(undefined);
  await db.putStacks(capture);
  process.stdout.write('saving\n');
  await db.saveTo(file);
  process.stdout.write('SAVED\n');
  await db.close();
}

void main();
