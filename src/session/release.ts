// Ending a session on a process the kernel did not start, so that it runs on as if it had
// never been debugged. Used by Session.close and, when the kernel itself was killed, by the
// watchdog process (through a fresh connection to the same dlv).
import * as fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DelveClient } from '../rpc/delve-client';

/**
 * Halts the target if it runs (a continue of ours, IN_FLIGHT, or one left by a dead kernel),
 * removes every breakpoint, lets Delve take a SIGTRAP still queued for the process, and
 * detaches without killing.
 *
 * Delve halts by kill(SIGTRAP). When a breakpoint's trap stopped the threads first, that
 * signal stays queued for the process (ShdPnd) and, once detached, kills it ("SIGTRAP:
 * trace trap"); and a breakpoint left in the code kills it the next time it is reached.
 */
export async function releaseTarget(query: DelveClient, control: DelveClient, pid: number, inFlight?: Promise<unknown>): Promise<void> {
  await haltAndWait(control, inFlight);
  const bps = await query.listBreakpoints();
  for (const bp of bps.filter((b) => b.id > 0)) await query.clearBreakpoint({ Id: bp.id }).catch(() => undefined);
  for (let tries = 0; tries < 3 && sigtrapQueued(pid); tries++) {
    const run = query.command({ name: 'continue' }).catch(() => undefined);
    const stoppedAlone = await Promise.race([run.then(() => true), sleep(300).then(() => false)]);
    if (!stoppedAlone) await haltAndWait(control, run);
  }
  await control.detach(false);
}

/**
 * Halts the target if it runs (IN_FLIGHT: a continue of ours) and waits until it stopped:
 * a detach or kill while Delve is still stopping it can leave it a signal it dies of.
 */
export async function haltAndWait(control: DelveClient, inFlight?: Promise<unknown>): Promise<void> {
  const running = () => control.state(true).then((st) => st.Running, () => false);
  if (!inFlight && !(await running())) return;
  await control.command({ name: 'halt' }).catch(() => undefined);
  if (inFlight) {
    await Promise.race([inFlight.catch(() => undefined), sleep(5000)]);
    return;
  }
  for (const started = Date.now(); (await running()) && Date.now() - started < 5000;) await sleep(20);
}

/** Whether PID has a SIGTRAP queued for the whole process (bit 5 of ShdPnd). */
function sigtrapQueued(pid: number): boolean {
  try {
    const m = /^ShdPnd:\s*([0-9a-f]+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m !== null && (BigInt(`0x${m[1]}`) & (1n << 4n)) !== 0n;
  } catch {
    return false;
  }
}
