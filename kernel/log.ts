// Kernel diagnostics go to stderr: stdout belongs to nobody in a Jupyter kernel,
// and jupyter_client shows stderr in the server log.

export function log(message: string): void {
  process.stderr.write(`[delve-kernel] ${message}\n`);
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}
