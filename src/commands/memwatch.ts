// The memwatch analysis commands (see its issue); filled in by its own change.
import type { Command } from './command';

export const memwatchCommands: Command[] = [];
