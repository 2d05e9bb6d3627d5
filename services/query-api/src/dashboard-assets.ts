import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type Router from '@koa/router';

// Both folders are resolved from this module, which sits one level down in the package both as
// dist/dashboard-assets.js (service) and src/dashboard-assets.ts (tests): HTML, CSS and the icon
// are served from the source folder, the browser modules from what `tsc -b` compiled.
const SOURCE = new URL('../dashboard/', import.meta.url);
const COMPILED = new URL('../dist/public/', import.meta.url);

const HTML = 'text/html; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const SVG = 'image/svg+xml';

/** The only paths served, each to one fixed file: nothing from the request reaches the file system. */
export const DASHBOARD_ASSETS: Readonly<Record<string, { readonly file: URL; readonly type: string }>> = {
  '/': { file: new URL('index.html', SOURCE), type: HTML },
  '/dashboard.css': { file: new URL('dashboard.css', SOURCE), type: CSS },
  '/favicon.svg': { file: new URL('favicon.svg', SOURCE), type: SVG },
  '/dashboard.js': { file: new URL('dashboard.js', COMPILED), type: JS },
  '/api-client.js': { file: new URL('api-client.js', COMPILED), type: JS },
  '/charts.js': { file: new URL('charts.js', COMPILED), type: JS },
  '/render.js': { file: new URL('render.js', COMPILED), type: JS },
  '/stats-window.js': { file: new URL('stats-window.js', COMPILED), type: JS },
};

/** Same origin only, no inline script or style, no framing, no plugins. */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** A whitelisted dashboard file is missing: the service was not built (`tsc -b`) or is broken. */
export class DashboardAssetError extends Error {
  constructor(
    readonly path: string,
    readonly file: string,
    options: { cause: unknown },
  ) {
    super(`dashboard asset ${path} unreadable at ${file} (was \`tsc -b\` run?)`, options);
    this.name = 'DashboardAssetError';
  }
}

/**
 * Mounts the dashboard's static assets (GET/HEAD of the DASHBOARD_ASSETS paths) on the router,
 * with their content type, `Cache-Control: no-cache` (revalidated through an ETag) and the strict
 * CSP. Files are read per request, so a rebuilt dashboard shows on reload. A missing file throws
 * DashboardAssetError, which koa answers with a bare 500.
 */
export function mountDashboard(router: Router): void {
  for (const [path, asset] of Object.entries(DASHBOARD_ASSETS)) {
    router.get(path, async (ctx) => {
      if (ctx.path !== path) return; // exact paths only (the router also matches a trailing slash): 404
      let body: Buffer;
      try {
        body = await readFile(asset.file);
      } catch (error) {
        throw new DashboardAssetError(path, asset.file.pathname, { cause: error });
      }
      ctx.set({
        'Cache-Control': 'no-cache',
        'Content-Security-Policy': DASHBOARD_CSP,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      });
      ctx.status = 200;
      ctx.etag = createHash('sha256').update(body).digest('base64url').slice(0, 27);
      if (ctx.fresh) {
        ctx.status = 304;
        return;
      }
      ctx.type = asset.type;
      ctx.body = body;
    });
  }
}
