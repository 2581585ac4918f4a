// Errors the user sees: a name (the Jupyter ename), what was wrong, and what to type instead.

export class UserError extends Error {
  constructor(readonly ename: string, message: string, readonly hint?: string) {
    super(message);
    this.name = ename;
  }
}

export const START_HINT =
  'start one with `debug ./examples/orders`, `exec ./bin/app`, `attach PID`, `core ./app ./core.PID` or `connect 127.0.0.1:2345`';

export function noSession(command: string): UserError {
  return new UserError('NoTarget', `\`${command}\` needs a target, and there is none`, START_HINT);
}

export function usage(command: string, usageLine: string, why?: string): UserError {
  return new UserError('UsageError', why ? `${command}: ${why}` : `${command}: wrong arguments`, `usage: ${usageLine}   (\`help ${command}\` explains)`);
}
