// The connection file Jupyter writes for each kernel it starts: where to bind and how to sign.
import { readFileSync } from 'node:fs';

export interface ConnectionInfo {
  transport: 'tcp' | 'ipc';
  ip: string;
  shell_port: number;
  control_port: number;
  iopub_port: number;
  stdin_port: number;
  hb_port: number;
  /** HMAC key; empty means messages are neither signed nor checked. */
  key: string;
  signature_scheme: 'hmac-sha256';
  kernel_name?: string;
}

const PORT_FIELDS = ['shell_port', 'control_port', 'iopub_port', 'stdin_port', 'hb_port'] as const;

/** Reads and validates a connection file; throws an Error that names the file and the problem. */
export function readConnectionFile(path: string): ConnectionInfo {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read connection file ${path}: ${(err as Error).message}`);
  }
  return parseConnectionInfo(text, path);
}

export function parseConnectionInfo(text: string, source = 'connection file'): ConnectionInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`${source} must hold a JSON object`);
  }
  const obj = raw as Record<string, unknown>;
  const problem = (what: string) => new Error(`${source}: ${what}`);

  const transport = obj.transport ?? 'tcp';
  if (transport !== 'tcp' && transport !== 'ipc') throw problem(`transport must be "tcp" or "ipc", not ${JSON.stringify(transport)}`);

  const ip = obj.ip ?? '127.0.0.1';
  if (typeof ip !== 'string' || ip === '') throw problem('ip must be a non-empty string');

  const key = obj.key ?? '';
  if (typeof key !== 'string') throw problem('key must be a string');

  const scheme = obj.signature_scheme ?? 'hmac-sha256';
  if (scheme !== 'hmac-sha256') throw problem(`signature_scheme ${JSON.stringify(scheme)} is not supported (only hmac-sha256)`);

  const ports = {} as Record<(typeof PORT_FIELDS)[number], number>;
  for (const field of PORT_FIELDS) {
    const port = obj[field];
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw problem(`${field} must be a port number from 1 to 65535, not ${JSON.stringify(port)}`);
    }
    ports[field] = port;
  }

  const info: ConnectionInfo = { transport, ip, key, signature_scheme: scheme, ...ports };
  if (typeof obj.kernel_name === 'string') info.kernel_name = obj.kernel_name;
  return info;
}

/** The ZeroMQ address for one of the kernel's ports, spelled the way jupyter_client spells it. */
export function endpoint(info: ConnectionInfo, port: number): string {
  if (info.transport === 'ipc') return `ipc://${info.ip}-${port}`;
  const host = info.ip.includes(':') ? `[${info.ip}]` : info.ip;
  return `tcp://${host}:${port}`;
}
