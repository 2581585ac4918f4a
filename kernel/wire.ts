// The Jupyter wire format: one message is a ZeroMQ multipart message
//   [identities..., "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers...]
// where signature = hex HMAC-SHA256 over the four JSON frames, exactly as sent.
// Pure functions, so the format can be tested without sockets.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const DELIMITER = Buffer.from('<IDS|MSG>');

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
  [field: string]: unknown;
}

export interface JupyterMessage {
  /** ZeroMQ routing frames before the delimiter (who to answer), or the topic on iopub. */
  identities: Buffer[];
  header: Header;
  /** The header of the request this message answers, or {} when there is none. */
  parent_header: Header | Record<string, never>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Buffer[];
}

/** signature: the message's HMAC as sent ('' when signing is off), to recognise a replay. */
export type DecodeResult = { ok: true; message: JupyterMessage; signature: string } | { ok: false; reason: string };

/** Hex HMAC-SHA256 of the frames under key; '' when the key is empty (signing disabled). */
export function sign(key: string, frames: Buffer[]): string {
  if (key === '') return '';
  const hmac = createHmac('sha256', key);
  for (const frame of frames) hmac.update(frame);
  return hmac.digest('hex');
}

export function encode(message: JupyterMessage, key: string): Buffer[] {
  const body = [
    Buffer.from(JSON.stringify(message.header)),
    Buffer.from(JSON.stringify(message.parent_header)),
    Buffer.from(JSON.stringify(message.metadata)),
    Buffer.from(JSON.stringify(message.content)),
  ];
  return [...message.identities, DELIMITER, Buffer.from(sign(key, body)), ...body, ...message.buffers];
}

export function decode(frames: Buffer[], key: string): DecodeResult {
  const at = frames.findIndex((frame) => frame.equals(DELIMITER));
  if (at < 0) return { ok: false, reason: 'no <IDS|MSG> delimiter' };
  if (frames.length < at + 6) return { ok: false, reason: `only ${frames.length - at - 1} frames after the delimiter, need 5` };

  const signature = frames[at + 1];
  const body = frames.slice(at + 2, at + 6);
  if (key !== '' && !signatureMatches(signature, sign(key, body))) {
    return { ok: false, reason: signature.length === 0 ? 'missing signature' : 'bad signature' };
  }

  let header: unknown, parent: unknown, metadata: unknown, content: unknown;
  try {
    [header, parent, metadata, content] = body.map((frame) => JSON.parse(frame.toString('utf8')));
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
  }
  if (!isObject(header) || typeof header.msg_id !== 'string' || typeof header.msg_type !== 'string') {
    return { ok: false, reason: 'header lacks msg_id or msg_type' };
  }
  return {
    ok: true,
    signature: key === '' ? '' : signature.toString('latin1'),
    message: {
      identities: frames.slice(0, at),
      header: header as Header,
      parent_header: isObject(parent) ? (parent as Header) : {},
      metadata: isObject(metadata) ? metadata : {},
      content: isObject(content) ? content : {},
      buffers: frames.slice(at + 6),
    },
  };
}

function signatureMatches(given: Buffer, expectedHex: string): boolean {
  const expected = Buffer.from(expectedHex);
  // timingSafeEqual needs equal lengths; a length mismatch reveals nothing secret.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The signatures of messages already taken, as jupyter_client's Session keeps them: a signed
 * message sent again byte for byte is a replay (someone who saw the traffic), not a request.
 */
export class SeenSignatures {
  private readonly seen = new Set<string>();
  constructor(private readonly limit = 65_536) {}

  /** True the first time SIGNATURE is offered; false for a replay. An empty one (no key) is never remembered. */
  firstTime(signature: string): boolean {
    if (signature === '') return true;
    if (this.seen.has(signature)) return false;
    this.seen.add(signature);
    // Forget the oldest tenth when full (a Set iterates in insertion order).
    if (this.seen.size > this.limit) for (const old of [...this.seen].slice(0, this.limit / 10)) this.seen.delete(old);
    return true;
  }
}
