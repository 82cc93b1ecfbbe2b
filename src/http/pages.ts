import express, { type Request, type Response, type Router } from 'express';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { stringify as toYaml } from 'yaml';

/**
 * The pages around the API, outside it: the OpenAPI document itself (`/openapi.json`,
 * `/openapi.yaml`), its reference page (`/docs`, Swagger UI) and the metadata catalogue
 * explorer (`/explorer`). They are unauthenticated static files and are not operations of
 * the document: the explorer and "Try it out" call the API with the caller's token, sent as
 * the X-Auth-Token header only.
 *
 * Every file is named here (nothing else under pages/ or swagger-ui-dist is reachable), every
 * response carries a strict Content-Security-Policy and `nosniff`, and the pages' own files
 * build their DOM without markup strings, so user text (namespace descriptions) stays text.
 */

/** Swagger UI sets element styles from script (allowed by CSP), and its stylesheet embeds SVG icons as data: URLs. */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
/** The documents are data, never rendered. */
const DATA_CSP = "default-src 'none'; frame-ancestors 'none'";

/** First path segments these pages own (the version negotiation must let them through). */
export const PAGE_SEGMENTS: ReadonlySet<string> = new Set(['docs', 'explorer', 'openapi.json', 'openapi.yaml']);

/** The Swagger UI files the reference page loads (swagger-ui-dist), and nothing else of the package. */
const SWAGGER_ASSETS: Record<string, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=UTF-8',
  'swagger-ui.css': 'text/css; charset=UTF-8',
  'favicon-32x32.png': 'image/png',
};

/** The pages' own files (pages/): URL path → file and type. Relative links in them assume these paths. */
const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/docs': { file: 'docs/index.html', type: 'text/html; charset=UTF-8' },
  '/docs/docs.js': { file: 'docs/docs.js', type: 'text/javascript; charset=UTF-8' },
  '/docs/docs.css': { file: 'docs/docs.css', type: 'text/css; charset=UTF-8' },
  '/explorer': { file: 'explorer/index.html', type: 'text/html; charset=UTF-8' },
  '/explorer/explorer.js': { file: 'explorer/explorer.js', type: 'text/javascript; charset=UTF-8' },
  '/explorer/explorer.css': { file: 'explorer/explorer.css', type: 'text/css; charset=UTF-8' },
};

export function swaggerUiDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

function secure(res: Response, csp: string): void {
  res.setHeader('Content-Security-Policy', csp);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
}

export interface PagesOptions {
  /** The document the API validates against (src/openapi.ts). */
  document: Record<string, unknown>;
  /** Directory of the pages' own files (<root>/pages). */
  pagesDir: string;
  /** Directory of swagger-ui-dist. */
  swaggerDir?: string;
}

export function createPages(opts: PagesOptions): Router {
  const swaggerDir = opts.swaggerDir ?? swaggerUiDir();
  // Rendered once: the document does not change while the process runs.
  const json = JSON.stringify(opts.document);
  const yaml = toYaml(opts.document, { aliasDuplicateObjects: false });
  // Strict: `/docs/` is not `/docs`, since the pages' relative links resolve against the path.
  const router = express.Router({ strict: true, caseSensitive: true });

  const sendFile = (res: Response, root: string, file: string, type: string, cache: string) => {
    secure(res, type.startsWith('text/html') ? PAGE_CSP : DATA_CSP);
    res.setHeader('Cache-Control', cache);
    res.sendFile(file, { root, dotfiles: 'deny', headers: { 'Content-Type': type }, cacheControl: false }, (err) => {
      if (err && !res.headersSent) res.status(404).type('text/plain').end('Not found');
    });
  };

  router.get('/openapi.json', (_req: Request, res: Response) => {
    secure(res, DATA_CSP);
    res.setHeader('Cache-Control', 'no-cache');
    res.type('application/json; charset=UTF-8').send(json);
  });
  router.get('/openapi.yaml', (_req: Request, res: Response) => {
    secure(res, DATA_CSP);
    res.setHeader('Cache-Control', 'no-cache');
    res.type('application/yaml; charset=UTF-8').send(yaml);
  });
  for (const [path, f] of Object.entries(PAGE_FILES)) {
    router.get(path, (_req: Request, res: Response) => sendFile(res, opts.pagesDir, f.file, f.type, 'no-cache'));
  }
  // `/docs/` and `/explorer/` are common typos: 301 to the page (its relative links assume no slash).
  for (const page of ['/docs', '/explorer']) {
    router.get(`${page}/`, (_req: Request, res: Response) => {
      secure(res, DATA_CSP);
      res.redirect(301, page);
    });
  }
  for (const [name, type] of Object.entries(SWAGGER_ASSETS)) {
    router.get(`/docs/assets/${name}`, (_req: Request, res: Response) => sendFile(res, swaggerDir, name, type, 'public, max-age=86400'));
  }
  return router;
}
