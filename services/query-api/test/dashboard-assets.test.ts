import { readdirSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import Router from '@koa/router';
import Koa from 'koa';
import request from 'supertest';
import { DASHBOARD_ASSETS, DASHBOARD_CSP, mountDashboard } from '../src/dashboard-assets.js';

// The source assets only: the compiled browser modules need `tsc -b` and are exercised by
// dashboard.browser.int.test.ts.
function server() {
  const router = new Router();
  mountDashboard(router);
  const app = new Koa();
  app.use(router.routes());
  return app.callback();
}

describe('mountDashboard', () => {
  it('serves the page with its content type, no-cache and the strict CSP', async () => {
    const res = await request(server()).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("default-src 'self'");
    expect(DASHBOARD_CSP).not.toMatch(/unsafe|\*|https?:/);
    // No inline script or style for the CSP to refuse: every script is an external module.
    const scripts = [...res.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map(([, attributes, body]) => [attributes?.trim(), body])).toEqual([
      ['type="module" src="/dashboard.js"', ''],
    ]);
    expect(res.text).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });

  it('gives the stylesheet and icon their types and revalidates through the ETag', async () => {
    const css = await request(server()).get('/dashboard.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await request(server()).get('/favicon.svg')).headers['content-type']).toBe('image/svg+xml');
    const again = await request(server()).get('/dashboard.css').set('If-None-Match', css.headers.etag!);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    const head = await request(server()).head('/');
    expect(head.status).toBe(200);
    expect(head.headers['content-security-policy']).toBe(DASHBOARD_CSP);
  });

  it('serves nothing outside the whitelist', async () => {
    for (const path of [
      '/index.html',
      '/dashboard.ts',
      '/tsconfig.json',
      '/dashboard.js.map',
      '/public/dashboard.js',
      '/../package.json',
      '/%2e%2e/package.json',
      '/..%2fpackage.json',
      '/dashboard.css/',
    ]) {
      expect([path, (await request(server()).get(path)).status]).toEqual([path, 404]);
    }
  });

  it('whitelists exactly the browser modules the dashboard compiles', () => {
    const folder = new URL('../dashboard/', import.meta.url);
    const modules = readdirSync(folder)
      .filter((name) => name.endsWith('.ts'))
      .map((name) => `/${name.replace(/\.ts$/, '.js')}`);
    const served = Object.keys(DASHBOARD_ASSETS).filter((path) => path.endsWith('.js'));
    expect(served.sort()).toEqual(modules.sort());
  });
});
