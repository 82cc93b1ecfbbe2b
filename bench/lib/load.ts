import autocannon from 'autocannon';

/** One kind of request a scenario sends; `vary` rewrites each request (e.g. a random image id). */
export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Called for every request: return the path (and optionally body) to send. */
  vary?: () => { path: string; body?: string };
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  total: number;
}

/** Drives `base` with autocannon for `seconds` at `connections`; non-2xx count as errors. */
export async function drive(base: string, spec: RequestSpec, connections: number, seconds: number): Promise<LoadResult> {
  const headers = { ...(spec.headers ?? {}) };
  if (spec.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const vary = spec.vary;
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    pipelining: 1,
    timeout: 30,
    requests: [
      {
        method: spec.method,
        path: spec.path,
        headers,
        body: spec.body,
        ...(vary
          ? {
              setupRequest: (req: autocannon.Request) => {
                const v = vary();
                return { ...req, path: v.path, ...(v.body !== undefined ? { body: v.body } : {}) };
              },
            }
          : {}),
      },
    ],
  });
  const total = result.requests.total;
  const errors = result.errors + result.timeouts + result.non2xx;
  return {
    rps: total / Math.max(result.duration, 1e-9),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors,
    total,
  };
}
