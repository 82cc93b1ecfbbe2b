import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/** Where a scrape's text comes from: this process's registry, or the primary's aggregate of its workers. */
export interface MetricsSource {
  contentType: string;
  text(): Promise<string>;
}

export const registrySource = (registry: Registry): MetricsSource => ({ contentType: registry.contentType, text: () => registry.metrics() });

/** Answers a scrape; a failing collector gets a 503 naming it, never a crash. */
export function answerScrape(source: MetricsSource, res: ServerResponse): void {
  source.text().then(
    (text) => {
      res.writeHead(200, { 'Content-Type': source.contentType, 'Cache-Control': 'no-store' });
      res.end(text);
    },
    (err: Error) => {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`Metrics are unavailable: ${err.message}\n`);
    },
  );
}

/** A listener of its own (METRICS_PORT) that serves only GET /metrics; loopback unless told otherwise. */
export async function serveMetrics(source: MetricsSource, o: { port: number; host?: string }): Promise<Server> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 Not Found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('405 Method Not Allowed\n');
      return;
    }
    answerScrape(source, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
