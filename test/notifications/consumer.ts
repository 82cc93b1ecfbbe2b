/** Runs listener.py (a real oslo.messaging notification listener) and collects what it decodes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/openapi.js';

export interface Decoded {
  priority: 'INFO' | 'ERROR' | 'WARN';
  publisher_id: string;
  event_type: string;
  payload: any;
  context: Record<string, unknown>;
  metadata: { message_id: string; timestamp: string };
}

export interface Consumer {
  events: Decoded[];
  /** Resolves once `until` holds for the events so far (false after `ms`). */
  waitFor(until: (events: Decoded[]) => boolean, ms: number): Promise<boolean>;
  stop(): Promise<void>;
}

export async function startConsumer(url: string, logFile: string): Promise<Consumer> {
  const child: ChildProcess = spawn('/usr/bin/python3', [join(PROJECT_ROOT, 'test', 'notifications', 'listener.py'), url, 'notifications'], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr!.pipe(createWriteStream(logFile));
  const events: Decoded[] = [];
  let onReady: (() => void) | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    child.once('exit', (code) => reject(new Error(`listener.py exited (${code}) before consuming; see ${logFile}`)));
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const rec = JSON.parse(line) as Decoded & { ready?: boolean };
    if (rec.ready) onReady?.();
    else events.push(rec);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await ready.finally(() => clearTimeout(timer));
  return {
    events,
    async waitFor(until, ms) {
      const deadline = Date.now() + ms;
      while (!until(events)) {
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 100));
      }
      return true;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.stdin!.end();
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
