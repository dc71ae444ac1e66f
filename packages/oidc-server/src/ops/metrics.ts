/**
 * Prometheus metrics (prom-client), one registry per IdP so that several in one process (tests)
 * do not mix. Labels are small fixed sets: methods, outcomes, route templates, store names; never
 * an id, email or clinic.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { routeOf } from './routes.ts';

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event loop lag, GC, handles). Default true. */
  processMetrics?: boolean;
}

export type IdpMetrics = ReturnType<typeof createMetrics>;

const SECONDS_FAST = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    /** Completed sign-ins by the method that completed them, and failed passwords (unknown email included). */
    signIns: new Counter({
      name: 'twostep_sign_ins_total',
      help: 'Sign-ins by outcome (success, failure) and method (password, totp, sms, recovery, trusted_device)',
      labelNames: ['outcome', 'method'] as const,
      registers,
    }),
    secondFactorFailures: new Counter({
      name: 'twostep_second_factor_failures_total',
      help: 'Wrong second-factor codes by method and reason (invalid, too_many_attempts)',
      labelNames: ['method', 'reason'] as const,
      registers,
    }),
    secondFactorThrottled: new Counter({
      name: 'twostep_second_factor_throttled_total',
      help: 'Second-factor attempts refused while the account backs off or is locked',
      labelNames: ['method'] as const,
      registers,
    }),
    accountLocks: new Counter({
      name: 'twostep_account_locks_total',
      help: 'Accounts hard-locked after too many wrong codes',
      registers,
    }),
    rateLimited: new Counter({
      name: 'twostep_rate_limited_total',
      help: 'Requests refused by a per-IP or per-account rate limit, by limit',
      labelNames: ['limit'] as const,
      registers,
    }),
    sms: new Counter({
      name: 'twostep_sms_total',
      help: 'Text messages handed to the SMS sender, by outcome (sent, failed)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    email: new Counter({
      name: 'twostep_email_total',
      help: 'Notification emails handed to the notifier, by outcome (sent, failed)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    pauses: new Counter({
      name: 'twostep_pauses_total',
      help: '2-Step Verification paused for a staff member by a Full Access User',
      registers,
    }),
    enforcementChanges: new Counter({
      name: 'twostep_enforcement_changes_total',
      help: 'Clinic-wide 2-Step enforcement switched, by new state (on, off)',
      labelNames: ['to'] as const,
      registers,
    }),
    auditEvents: new Counter({
      name: 'twostep_audit_events_total',
      help: 'Audit log events written, by type',
      labelNames: ['type'] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'twostep_http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: SECONDS_FAST,
      registers,
    }),
    storeDuration: new Histogram({
      name: 'twostep_store_call_duration_seconds',
      help: 'Store call duration by store and method (oidc.* are oidc-provider state)',
      labelNames: ['store', 'method'] as const,
      buckets: SECONDS_FAST,
      registers,
    }),
    storeTimeouts: new Counter({
      name: 'twostep_store_timeouts_total',
      help: 'Store calls that missed their deadline (failed closed with store_unavailable)',
      labelNames: ['store', 'method'] as const,
      registers,
    }),
    oidcGrants: new Counter({
      name: 'twostep_oidc_grants_total',
      help: 'Token endpoint grants issued, by grant type',
      labelNames: ['grant_type'] as const,
      registers,
    }),
    passwordHashWait: new Histogram({
      name: 'twostep_password_hash_wait_seconds',
      help: 'Time a password check waited for a hashing slot (0 when one was free)',
      buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    passwordHashRefused: new Counter({
      name: 'twostep_password_hash_refused_total',
      help: 'Password checks answered 503 by the hashing queue, by reason (timed_out, refused: queue full)',
      labelNames: ['reason'] as const,
      registers,
    }),
    keyReloads: new Counter({
      name: 'twostep_key_reloads_total',
      help: 'Key set reloads (SIGHUP), by outcome (ok, failed: the running keys stay)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    keyReloadFailing: new Gauge({
      name: 'twostep_key_reload_failing',
      help: '1 while the last key reload failed (the process still serves with its previous keys)',
      registers,
    }),
    oidcErrors: new Counter({
      name: 'twostep_oidc_errors_total',
      help: 'oidc-provider error events by event and OAuth error code',
      labelNames: ['event', 'error'] as const,
      registers,
    }),
  };
}

/** The hashing queue's running and queued checks, read at each scrape. */
export function hashingGauges(metrics: IdpMetrics, stats: () => { running: number; queued: number }): void {
  const registers = [metrics.registry];
  // An IdP built again on the same metrics (a key reload, reloadingIdp): the gauges follow the newest.
  for (const name of ['twostep_password_hashes_running', 'twostep_password_hashes_queued'])
    metrics.registry.removeSingleMetric(name);
  new Gauge({
    name: 'twostep_password_hashes_running',
    help: 'Password hashes running now',
    registers,
    collect() {
      this.set(stats().running);
    },
  });
  new Gauge({
    name: 'twostep_password_hashes_queued',
    help: 'Password checks waiting for a hashing slot now',
    registers,
    collect() {
      this.set(stats().queued);
    },
  });
}

/** Times every response into `twostep_http_request_duration_seconds`. */
export function httpMetrics(metrics: IdpMetrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    res.once('finish', () => observeResponse(end, req, res));
    next();
  };
}

function observeResponse(
  end: (labels: Record<string, string>) => number,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  end({ method: req.method ?? 'GET', route: routeOf(req), status: String(res.statusCode) });
}
