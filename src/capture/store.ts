// Captures by name, for the kernel's lifetime: they outlive sessions, so a capture of a
// core dump and one of a live run can be compared.
import { estimatedBytes, type Capture } from './capture';

/** What the kept captures may take of the kernel's memory, by estimate: 512 MiB, or $DELVE_KERNEL_CAPTURE_MIB. */
export const CAPTURE_BUDGET_BYTES = (Number(process.env.DELVE_KERNEL_CAPTURE_MIB) || 512) * 1024 * 1024;

export class CaptureStore {
  private readonly byName = new Map<string, Capture>();

  /** Keeps CAPTURE under its name; returns the capture it replaced, if any. */
  put(capture: Capture): Capture | undefined {
    const old = this.byName.get(capture.name);
    this.byName.delete(capture.name); // a replaced name moves to the end of the list
    this.byName.set(capture.name, capture);
    return old;
  }

  get(name: string): Capture | undefined {
    return this.byName.get(name);
  }

  /** In the order they were taken. */
  all(): Capture[] {
    return [...this.byName.values()];
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Forgets the capture NAME; false if there was none. */
  drop(name: string): boolean {
    return this.byName.delete(name);
  }

  /** What the captures kept take, by estimate. */
  bytes(): number {
    return this.all().reduce((sum, c) => sum + estimatedBytes(c), 0);
  }
}
