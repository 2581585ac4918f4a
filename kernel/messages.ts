// Headers and messages the kernel sends. Every message gets a fresh msg_id and the
// kernel's own session id (one per Kernel, not the client's), so clients can tell
// kernel messages from their own.
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Header, JupyterMessage } from './wire';

export const PROTOCOL_VERSION = '5.3';

/** Who sends: the session id and user name that go into every header. */
export interface Sender {
  session: string;
  username: string;
}

export function newSender(): Sender {
  return { session: randomUUID(), username: currentUsername() };
}

export function newHeader(sender: Sender, msgType: string): Header {
  return {
    msg_id: randomUUID(),
    session: sender.session,
    username: sender.username,
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}

/** A reply on shell or control: routed back to the requester's identities, parent = request header. */
export function replyTo(sender: Sender, request: JupyterMessage, msgType: string, content: object): JupyterMessage {
  return {
    identities: request.identities,
    header: newHeader(sender, msgType),
    parent_header: request.header,
    metadata: {},
    content: content as Record<string, unknown>,
    buffers: [],
  };
}

/** A message on iopub; the topic frame lets subscribers filter (clients usually subscribe to all). */
export function broadcast(
  sender: Sender,
  msgType: string,
  content: object,
  parent: Header | Record<string, never>,
): JupyterMessage {
  return {
    identities: [Buffer.from(`kernel.${sender.session}.${msgType}`)],
    header: newHeader(sender, msgType),
    parent_header: parent,
    metadata: {},
    content: content as Record<string, unknown>,
    buffers: [],
  };
}

/** The reply type for a request type: execute_request -> execute_reply. */
export function replyType(requestType: string): string {
  return requestType.replace(/_request$/, '_reply');
}

function currentUsername(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers).
    return process.env.USER ?? 'kernel';
  }
}
