import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:http';

/** A free TCP port on loopback (bound then released: good enough for a benchmark run). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS), or 0 when gone. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every `everyMs`; `window()` starts a new peak window. */
export class RssSampler {
  private timer: NodeJS.Timeout;
  private peak = 0;
  private first = 0;
  constructor(
    private readonly pid: number,
    everyMs = 25,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }
  sample(): number {
    const v = rssOf(this.pid);
    if (v > this.peak) this.peak = v;
    return v;
  }
  /** Starts a new window; returns the RSS at its start. */
  window(): number {
    this.first = this.sample();
    this.peak = this.first;
    return this.first;
  }
  /** Peak RSS since the window started (sampling once more now). */
  peakBytes(): number {
    this.sample();
    return this.peak;
  }
  startBytes(): number {
    return this.first;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  url: string;
  port: number;
  logFile: string;
  stop(): Promise<void>;
}

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * Starts a server process with its stdout/stderr in `logFile`, and waits until
 * `healthPath` answers 200 (or the process dies, or `timeoutMs` passes).
 */
export async function startChild(opts: {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  healthPath: string;
  logFile: string;
  timeoutMs?: number;
  cwd?: string;
}): Promise<Child> {
  const fd = openSync(opts.logFile, 'a');
  const proc = spawn(opts.command, opts.args, { env: opts.env, stdio: ['ignore', fd, fd], cwd: opts.cwd });
  closeSync(fd);
  let exited: string | null = null;
  proc.once('exit', (code, sig) => {
    exited = `exited with ${code ?? sig}`;
  });
  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (exited) throw new Error(`${opts.name} ${exited} before it was ready; log: ${opts.logFile}\n${tail(opts.logFile)}`);
    if ((await get(url + opts.healthPath)) === 200) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${opts.name} did not become ready in time; log: ${opts.logFile}\n${tail(opts.logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    proc,
    pid: proc.pid!,
    url,
    port: opts.port,
    logFile: opts.logFile,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const done = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await done;
      clearTimeout(t);
    },
  };
}

export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => l.slice(0, 400)).join('\n');
  } catch {
    return '';
  }
}
