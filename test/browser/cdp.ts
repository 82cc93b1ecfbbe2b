import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/**
 * A small Chrome DevTools Protocol client over `--remote-debugging-pipe`: Chromium reads
 * commands on its fd 3 and writes answers and events on its fd 4, each message one JSON text
 * ended by a NUL byte. Pipes rather than the DevTools websocket, because Node 20 has no
 * WebSocket client and nothing else here needs one.
 */
export interface CdpEvent {
  method: string;
  params: any;
  sessionId?: string;
}

/** The Chromium to drive: CHROMIUM_BIN, else Debian's. */
export function chromiumBinary(): string {
  return process.env.CHROMIUM_BIN || '/usr/bin/chromium';
}

/** Why Chromium cannot be started here, or null when it can. */
export function chromiumUnavailableReason(): string | null {
  return existsSync(chromiumBinary()) ? null : `${chromiumBinary()} is missing (Debian package chromium): run scripts/e2e-setup.sh chromium as root`;
}

export class Browser {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void; method: string }>();
  private listeners = new Set<(e: CdpEvent) => void>();
  private buffer = Buffer.alloc(0);
  private exited: Promise<void>;
  private stderrTail = '';

  private constructor(
    private child: ChildProcess,
    private out: Writable,
    input: Readable,
    private profile: string,
  ) {
    input.on('data', (chunk: Buffer) => this.receive(chunk));
    input.on('error', () => undefined); // the exit handler reports
    out.on('error', () => undefined);
    child.stderr?.on('data', (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString()).slice(-3000)));
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        for (const p of this.pending.values()) p.reject(new Error(`Chromium exited during ${p.method}: ${this.stderrTail.trim().split('\n').slice(-5).join(' | ')}`));
        this.pending.clear();
        resolve();
      });
    });
  }

  /** Starts headless Chromium with a throw-away profile. */
  static async launch(opts: { width?: number; height?: number } = {}): Promise<Browser> {
    const profile = mkdtempSync(join(tmpdir(), 'glance-ts-chromium-'));
    const args = [
      '--headless=new',
      '--remote-debugging-pipe',
      `--user-data-dir=${profile}`,
      // root in a container has no user namespace for the sandbox; the pages are our own on loopback
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-extensions',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-features=Translate,MediaRouter,OptimizationHints',
      '--hide-scrollbars',
      '--mute-audio',
      '--force-color-profile=srgb',
      `--window-size=${opts.width ?? 1280},${opts.height ?? 900}`,
      'about:blank',
    ];
    const child = spawn(chromiumBinary(), args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: false });
    const onExit = () => child.kill('SIGKILL'); // never outlive the lane
    process.once('exit', onExit);
    child.once('exit', () => process.removeListener('exit', onExit));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
    const b = new Browser(child, child.stdio[3] as Writable, child.stdio[4] as Readable, profile);
    await b.send('Browser.getVersion'); // answers once the pipe is live
    return b;
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (let end = this.buffer.indexOf(0); end >= 0; end = this.buffer.indexOf(0)) {
      const text = this.buffer.subarray(0, end).toString('utf8');
      this.buffer = this.buffer.subarray(end + 1);
      const msg = JSON.parse(text);
      if (typeof msg.id === 'number') {
        const p = this.pending.get(msg.id);
        if (!p) continue;
        this.pending.delete(msg.id);
        if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}${msg.error.data ? ` (${msg.error.data})` : ''}`));
        else p.resolve(msg.result);
      } else if (msg.method) {
        for (const l of this.listeners) l(msg as CdpEvent);
      }
    }
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return reject(new Error(`Chromium is not running (${method})`));
      this.pending.set(id, { resolve, reject, method });
      this.out.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    });
  }

  on(listener: (e: CdpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A new tab, attached (flat session), with the domains the checks use enabled. */
  async newPage(): Promise<Page> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this, sessionId);
    await Promise.all(['Page.enable', 'Runtime.enable', 'Log.enable', 'Network.enable'].map((m) => this.send(m, {}, sessionId)));
    return page;
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await this.send('Browser.close').catch(() => undefined);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.profile, { recursive: true, force: true });
  }
}

export class Page {
  /** Console errors, uncaught exceptions and security messages (CSP violations) seen on this tab. */
  readonly problems: string[] = [];
  /** Every request the tab made: URL and request headers. */
  readonly requests: { url: string; headers: Record<string, string> }[] = [];

  constructor(
    private browser: Browser,
    readonly sessionId: string,
  ) {
    browser.on((e) => {
      if (e.sessionId !== sessionId) return;
      if (e.method === 'Runtime.exceptionThrown') this.problems.push(`exception: ${e.params.exceptionDetails?.exception?.description ?? e.params.exceptionDetails?.text}`);
      else if (e.method === 'Runtime.consoleAPICalled' && e.params.type === 'error') this.problems.push(`console.error: ${e.params.args?.map((a: any) => a.value ?? a.description).join(' ')}`);
      else if (e.method === 'Log.entryAdded' && (e.params.entry.level === 'error' || e.params.entry.source === 'security')) this.problems.push(`${e.params.entry.source}: ${e.params.entry.text}`);
      else if (e.method === 'Network.requestWillBeSent') this.requests.push({ url: e.params.request.url, headers: e.params.request.headers });
    });
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<any> {
    return this.browser.send(method, params, this.sessionId);
  }

  /** Navigates and waits for the load event. */
  async goto(url: string, timeoutMs = 60_000): Promise<void> {
    let off = () => {};
    const loaded = new Promise<void>((resolve) => {
      off = this.browser.on((e) => {
        if (e.sessionId === this.sessionId && e.method === 'Page.loadEventFired') resolve();
      });
    });
    try {
      const r = await this.send('Page.navigate', { url });
      if (r.errorText) throw new Error(`navigating to ${url}: ${r.errorText}`);
      await withTimeout(loaded, timeoutMs, `load of ${url}`);
    } finally {
      off();
    }
  }

  /** Evaluates an expression (awaiting a promise) and returns its JSON value. */
  async eval<T = unknown>(expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`evaluating ${expression.slice(0, 80)}: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /** Polls an expression until it is truthy; returns its value (`true` for a DOM node, which does not serialise). */
  async waitFor<T = unknown>(expression: string, what: string, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await this.eval<T>(`((v) => (v instanceof Node ? true : v))(${expression})`);
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** A PNG of the viewport, or of the whole page (`full`), or of the box around the elements `selector` matches. */
  async screenshot(opts: { full?: boolean; selector?: string } = {}): Promise<Buffer> {
    let clip: { x: number; y: number; width: number; height: number; scale: number } | undefined;
    if (opts.full) {
      const m = await this.send('Page.getLayoutMetrics');
      clip = { x: 0, y: 0, width: Math.ceil(m.cssContentSize.width), height: Math.min(Math.ceil(m.cssContentSize.height), 16_000), scale: 1 };
    } else if (opts.selector) {
      const box = await this.eval<{ x: number; y: number; width: number; height: number } | null>(
        `(() => {
          const rs = [...document.querySelectorAll(${JSON.stringify(opts.selector)})].map((e) => e.getBoundingClientRect());
          if (!rs.length) return null;
          const x = Math.min(...rs.map((r) => r.left)), y = Math.min(...rs.map((r) => r.top));
          return { x: x + scrollX, y: y + scrollY, width: Math.max(...rs.map((r) => r.right)) - x, height: Math.max(...rs.map((r) => r.bottom)) - y };
        })()`,
      );
      if (!box) throw new Error(`no element ${opts.selector} to capture`);
      clip = { ...box, scale: 1 };
    }
    const r = await this.send('Page.captureScreenshot', { format: 'png', ...(clip ? { clip, captureBeyondViewport: true } : {}) });
    return Buffer.from(r.data, 'base64');
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}
