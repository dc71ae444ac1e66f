/** Operations: logs, metrics, health endpoints and the graceful-shutdown server (see README "Operations"). */
export { type OpsRouterOptions, opsRouter, type Readiness, type ReadinessCheck } from './health.ts';
export {
  coreLogger,
  createLog,
  LOG_LEVELS,
  type Log,
  type LogLevel,
  type LogOptions,
  requestLogging,
} from './logging.ts';
export { createMetrics, httpMetrics, type IdpMetrics, type MetricsOptions } from './metrics.ts';
export type { Observability } from './observe.ts';
export { currentRequestId } from './request-context.ts';
export {
  ListenError,
  type RunningServer,
  SERVER_DEFAULTS,
  type ServerOptions,
  startServer,
} from './server.ts';
