import type Router from '@koa/router';

/**
 * Mounts the dashboard's static assets (GET /, /dashboard.js, /dashboard.css) on the router.
 * Placeholder until the dashboard lands.
 */
export function mountDashboard(router: Router): void {
  router.get('/', (ctx) => {
    ctx.type = 'text/html';
    ctx.body = '<!doctype html><title>allo-pipeline</title><p>Dashboard coming.</p>';
  });
}
