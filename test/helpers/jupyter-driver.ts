// The kernel under jupyter_client, driven from a test: test/python/driver.py starts it the
// way Jupyter's tools do (start_new_kernel, from an installed kernelspec) and answers one
// JSON request per line. Messages come back as { header: { msg_type }, content }.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './go';
import { cleanUp, installPrefix, PYTHON, type Prefix } from './jupyter-world';

export interface DriverMessage {
  header: { msg_type: string };
  content: any;
}

export interface DriverExchange {
  reply: DriverMessage;
  iopub: DriverMessage[];
}

export class JupyterClientKernel {
  private lines: AsyncIterator<string>;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private proc: ChildProcess, readonly prefix: Prefix, readonly kernelPid: number, lines: AsyncIterator<string>, private stderr: () => string) {
    this.lines = lines;
  }

  /** A kernel started by jupyter_client from a kernelspec installed into a fresh prefix, in cwd. */
  static async start(tag: string, cwd: string, env: NodeJS.ProcessEnv = {}): Promise<JupyterClientKernel> {
    const prefix = installPrefix(tag);
    const proc = spawn(PYTHON, [path.join(repoRoot, 'test/python/driver.py'), cwd], { env: { ...prefix.env, ...env }, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr = (stderr + t).slice(-20_000)));
    proc.stdin!.on('error', () => undefined); // a driver killed by a test: the next request says so
    const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error(`jupyter_client did not start the kernel:\n${stderr}`);
    const ready = JSON.parse(first.value);
    return new JupyterClientKernel(proc, prefix, ready.kernel_pid, lines, () => stderr);
  }

  /** The python process running jupyter_client: the kernel's JPY_PARENT_PID. */
  get driverPid(): number {
    return this.proc.pid!;
  }

  private request<T>(req: Record<string, unknown>): Promise<T> {
    const next = this.queue.then(async () => {
      this.proc.stdin!.write(JSON.stringify(req) + '\n');
      const line = await this.lines.next();
      if (line.done) throw new Error(`the jupyter_client driver ended:\n${this.stderr()}`);
      const answer = JSON.parse(line.value);
      if (answer.error) throw new Error(`jupyter_client: ${answer.error}`);
      return answer as T;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  execute(code: string, timeout = 60): Promise<DriverExchange> {
    return this.request({ op: 'execute', code, timeout });
  }

  /** Sends a cell without waiting; `collect` waits for it. */
  async send(code: string): Promise<string> {
    return (await this.request<{ msg_id: string }>({ op: 'send', code })).msg_id;
  }

  collect(msgId: string, timeout = 60): Promise<DriverExchange> {
    return this.request({ op: 'collect', msg_id: msgId, timeout });
  }

  async complete(code: string, cursor = code.length): Promise<{ matches: string[]; cursor_start: number; cursor_end: number }> {
    return (await this.request<{ reply: DriverMessage }>({ op: 'complete', code, cursor })).reply.content;
  }

  async isComplete(code: string): Promise<{ status: string; indent?: string }> {
    return (await this.request<{ reply: DriverMessage }>({ op: 'is_complete', code })).reply.content;
  }

  async inspect(code: string, cursor = code.length): Promise<any> {
    return (await this.request<{ reply: DriverMessage }>({ op: 'inspect', code, cursor })).reply.content;
  }

  /** DATA sent to the kernel's heartbeat port (jupyter_client's connection info); its echo, or null after timeout s. */
  async heartbeat(data: string, timeout = 5): Promise<string | null> {
    return (await this.request<{ echo: string | null }>({ op: 'heartbeat', data, timeout })).echo;
  }

  /** Sends one signed execute_request twice, byte for byte; the execution counts of the replies. */
  async sendTwice(code: string, waitSeconds = 3): Promise<number[]> {
    return (await this.request<{ execution_counts: number[] }>({ op: 'send_twice', code, wait: waitSeconds })).execution_counts;
  }

  /** The interrupt button: jupyter_client's interrupt_kernel, as the kernelspec asks. */
  async interrupt(): Promise<void> {
    await this.request({ op: 'interrupt' });
  }

  /** Shuts the kernel down through jupyter_client, then reports what was left behind (killing it). */
  async shutdown(words: string[] = []): Promise<{ exit: number | null; left: string[] }> {
    let exit: number | null = null;
    try {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) throw new Error('the driver is gone');
      exit = (await this.request<{ exit: number | null }>({ op: 'shutdown' })).exit;
    } catch {
      this.proc.kill('SIGKILL');
    }
    return { exit, left: await cleanUp(this.prefix, words) };
  }
}

export function resultOf(ex: DriverExchange): Record<string, any> | undefined {
  return ex.iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data;
}

export function textOf(ex: DriverExchange): string {
  return resultOf(ex)?.['text/plain'] ?? '';
}

export function jsonOf(ex: DriverExchange): any {
  return resultOf(ex)?.['application/json'];
}

/** Everything the cell showed as text: streams, displays, the result and the error. */
export function allText(ex: DriverExchange): string {
  return ex.iopub.map((m) => m.content.text ?? m.content.data?.['text/plain'] ?? (m.content.evalue ? `${m.content.ename}: ${m.content.evalue}\n${(m.content.traceback ?? []).join('\n')}` : '')).join('\n');
}
