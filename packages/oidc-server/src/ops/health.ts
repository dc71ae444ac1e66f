/**
 * `/healthz` (live: the process answers), `/readyz` (ready: store reachable within its deadline,
 * keys loaded, not starting or shutting down; 503 with a JSON reason otherwise) and `/metrics`
 * (Prometheus text). Mounted ahead of everything else: no sign-in rate limit applies to them.
 */
import { Router } from 'express';
import type { IdpMetrics } from './metrics.ts';

export type Readiness = { ready: true } | { ready: false; reason: string };
export type ReadinessCheck = () => Promise<Readiness>;

export interface OpsRouterOptions {
  ready: ReadinessCheck;
  /** Serve `/metrics` from this registry; null: no `/metrics` on this router. */
  metrics: IdpMetrics | null;
}

export function opsRouter(options: OpsRouterOptions): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const state = await options.ready();
    if (state.ready) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'not_ready', reason: state.reason });
  });
  const { metrics } = options;
  if (metrics) {
    router.get('/metrics', async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }
  return router;
}
