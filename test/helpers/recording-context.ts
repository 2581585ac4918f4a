// An ExecuteContext that records what a cell would show, for tests of the interpreter.
import type { ExecuteContext, MimeBundle } from '../../kernel/interpreter';

export class RecordingContext implements ExecuteContext {
  streams: { name: string; text: string }[] = [];
  displays: { data: MimeBundle; displayId?: string }[] = [];
  updates: { displayId: string; data: MimeBundle }[] = [];

  stream(name: 'stdout' | 'stderr', text: string): void {
    this.streams.push({ name, text });
  }
  display(data: MimeBundle, _metadata?: Record<string, unknown>, displayId?: string): void {
    this.displays.push({ data, displayId });
  }
  updateDisplay(displayId: string, data: MimeBundle): void {
    this.updates.push({ displayId, data });
  }
  text(name: 'stdout' | 'stderr' = 'stdout'): string {
    return this.streams.filter((s) => s.name === name).map((s) => s.text).join('');
  }
}
