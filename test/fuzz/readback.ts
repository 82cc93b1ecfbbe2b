import { send, type Target } from './target.js';

/**
 * What a write targets, read back as an admin: the resource itself (the longest prefix of
 * the request path that a GET operation of the document serves) and the listing of its
 * kind. A refused write must leave both byte for byte the same.
 */
export class Snapshots {
  private readonly gets: string[][];

  constructor(doc: Record<string, any>, private readonly t: Target, private readonly token: string, private readonly timeoutMs: number) {
    this.gets = Object.entries(doc.paths as Record<string, any>)
      .filter(([, item]) => item.get)
      .map(([p]) => p.split('/'));
  }

  private served(segments: string[]): boolean {
    return this.gets.some((g) => g.length === segments.length && g.every((s, i) => (s.startsWith('{') ? segments[i] !== '' : s === segments[i])));
  }

  /** The paths read back for a request path (query dropped). */
  targets(path: string): string[] {
    const segments = path.split('?')[0].split('/');
    const out: string[] = [];
    for (let n = segments.length; n > 2; n--) {
      if (this.served(segments.slice(0, n))) {
        out.push(segments.slice(0, n).join('/'));
        break;
      }
    }
    const area = segments[2];
    if (area === 'images' || area === 'stores' || area === 'cache') out.push('/v2/images?limit=1000');
    if (area === 'cache') out.push('/v2/cache');
    if (area === 'metadefs') out.push('/v2/metadefs/namespaces?limit=1000');
    if (area === 'tasks') out.push('/v2/tasks?limit=1000');
    return out;
  }

  async take(path: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const p of this.targets(path)) {
      const a = await send(this.t.url, { method: 'GET', path: p, headers: { 'X-Auth-Token': this.token } }, this.timeoutMs);
      // request ids differ per request by design; cache statistics are counters, not state
      let text = a.text.replace(/"request_id":"[^"]*"/g, '');
      if (p === '/v2/cache' && a.status === 200) {
        const body = JSON.parse(text) as Record<string, unknown>;
        delete body.stats;
        text = JSON.stringify(body);
      }
      out.set(p, `${a.status || a.failure} ${text}`);
    }
    return out;
  }

  /** A snapshot once background work (imports, cache fills) has stopped changing it, waiting up to 10 s. */
  async stable(path: string): Promise<Map<string, string>> {
    let prev = await this.take(path);
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const next = await this.take(path);
      if (!this.diff(prev, next)) return next;
      prev = next;
    }
    return prev;
  }

  /** Where two snapshots differ, briefly; undefined when they are the same. */
  diff(before: Map<string, string>, after: Map<string, string>): string | undefined {
    for (const [p, b] of before) {
      const a = after.get(p) ?? '';
      if (a === b) continue;
      let i = 0;
      while (i < a.length && a[i] === b[i]) i++;
      return `GET ${p.slice(0, 200)}: before …${b.slice(Math.max(0, i - 80), i + 120)}… after …${a.slice(Math.max(0, i - 80), i + 120)}…`;
    }
    return undefined;
  }
}
