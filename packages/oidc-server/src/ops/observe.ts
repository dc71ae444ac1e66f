/**
 * Where the IdP's events become metrics and log lines: store calls (core's `interceptStores`),
 * audit events (every `audit.append` that wrote), oidc-provider's events, the SMS sender and the
 * notifier, the rate limiter and the password check.
 */
import {
  type AuditEvent,
  type Interceptor,
  interceptMethods,
  interceptStores,
  isTwostepError,
  type PasswordHasher,
  type StaffMember,
  type Stores,
} from '@twostep/core';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Log } from './logging.ts';
import { hashingGauges, type IdpMetrics } from './metrics.ts';
import { setProviderRoute } from './routes.ts';

export interface Observability {
  log?: Log | undefined;
  metrics?: IdpMetrics | undefined;
}

const isThenable = (v: unknown): v is Promise<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

/** core's deadline error (store-timeouts.ts): `<store>.<method> did not answer within N ms`. */
const isDeadline = (error: unknown) =>
  isTwostepError(error) && error.code === 'store_unavailable' && error.message.includes('did not answer');

/** Times each call; counts deadlines missed; hands each audit event that was written to `onAudit`. */
function storeCalls(obs: Observability, onAudit: (event: AuditEvent) => void): Interceptor {
  const { metrics } = obs;
  return (store, method, args, call) => {
    const started = performance.now();
    const end = metrics
      ? () => metrics.storeDuration.observe({ store, method }, (performance.now() - started) / 1000)
      : undefined;
    const result = call();
    if (!isThenable(result)) return result;
    return result.then(
      (value) => {
        end?.();
        if (store === 'audit' && method === 'append' && value === true) onAudit(args[0] as AuditEvent);
        return value;
      },
      (error: unknown) => {
        end?.();
        if (isDeadline(error)) metrics?.storeTimeouts.inc({ store, method });
        throw error;
      },
    );
  };
}

export function observeStores(stores: Stores, obs: Observability): Stores {
  if (!obs.log && !obs.metrics) return stores;
  return interceptStores(
    stores,
    storeCalls(obs, (event) => onAudit(event, obs)),
  );
}

/** An oidc-provider adapter instance (`oidc.Session`, …) under the same timing. */
export function observeAdapter<T extends object>(adapter: T, name: string, obs: Observability): T {
  if (!obs.metrics) return adapter;
  return interceptMethods(
    adapter,
    name,
    storeCalls(obs, () => undefined),
  );
}

/** The security events of the audit log, mirrored at info, and counted. */
function onAudit(event: AuditEvent, { log, metrics }: Observability): void {
  log?.info(
    {
      audit: {
        type: event.type,
        clinicId: event.clinicId,
        seq: event.seq,
        actorId: event.actorId,
        targetId: event.targetId,
        ip: event.ip,
        details: event.details,
      },
    },
    `audit ${event.type}`,
  );
  if (!metrics) return;
  const method = String(event.details.method ?? 'unknown');
  metrics.auditEvents.inc({ type: event.type });
  switch (event.type) {
    case 'sign_in.succeeded':
      metrics.signIns.inc({ outcome: 'success', method });
      break;
    case 'second_factor.failed':
      metrics.secondFactorFailures.inc({ method, reason: String(event.details.reason ?? 'invalid') });
      break;
    case 'second_factor.throttled':
      metrics.secondFactorThrottled.inc({ method });
      break;
    case 'account.locked':
      metrics.accountLocks.inc();
      break;
    case 'two_step.paused':
      metrics.pauses.inc();
      break;
    case 'policy.enforcement_on':
    case 'policy.enforcement_off':
      metrics.enforcementChanges.inc({ to: event.type === 'policy.enforcement_on' ? 'on' : 'off' });
      break;
  }
}

/**
 * A failed password check (wrong password, inactive account or unknown email: the last is not in
 * the audit log, which is per clinic) counts as a failed sign-in.
 */
export function observePasswordCheck<A extends unknown[]>(
  check: (...args: A) => Promise<StaffMember | null>,
  obs: Observability,
): (...args: A) => Promise<StaffMember | null> {
  const { metrics } = obs;
  if (!metrics) return check;
  return async (...args) => {
    const staff = await check(...args);
    if (!staff) metrics.signIns.inc({ outcome: 'failure', method: 'password' });
    return staff;
  };
}

/** The bounded password hashing: waits, refusals (503) and the queue's length. */
export function observeHasher(hasher: PasswordHasher, obs: Observability): void {
  const { metrics, log } = obs;
  if (metrics) hashingGauges(metrics, () => hasher.stats());
  hasher.onEvent((event) => {
    if (event.kind === 'started') metrics?.passwordHashWait.observe(event.waitedMs / 1000);
    else {
      metrics?.passwordHashRefused.inc({ reason: event.kind });
      log?.warn({ reason: event.kind, waitedMs: event.waitedMs }, 'password check refused: hashing busy');
    }
  });
}

export function observeLimiter<
  L extends { hit(bucket: string, subject: string, limit: number): Promise<boolean> },
>(limiter: L, obs: Observability): L {
  const { metrics, log } = obs;
  if (!metrics && !log) return limiter;
  return {
    ...limiter,
    async hit(bucket, subject, limit) {
      const ok = await limiter.hit(bucket, subject, limit);
      if (!ok) {
        metrics?.rateLimited.inc({ limit: bucket });
        log?.info({ limit: bucket }, 'rate limited');
      }
      return ok;
    },
  };
}

/** SMS sender or notifier: each send counted as sent or failed. */
export function observeDelivery<T extends object>(
  target: T,
  counter: 'sms' | 'email',
  obs: Observability,
): T {
  const { metrics } = obs;
  if (!metrics) return target;
  return interceptMethods(target, counter, (_name, _method, _args, call) => {
    const result = call();
    if (!isThenable(result)) return result;
    return result.then(
      (value) => {
        metrics[counter].inc({ outcome: 'sent' });
        return value;
      },
      (error: unknown) => {
        metrics[counter].inc({ outcome: 'failed' });
        throw error;
      },
    );
  });
}

/** oidc-provider's error events (the route's `.error` and `server_error`). */
const PROVIDER_ERROR_EVENTS: string[] = [
  'server_error',
  'authorization.error',
  'backchannel.error',
  'grant.error',
  'userinfo.error',
  'jwks.error',
  'discovery.error',
  'end_session.error',
  'end_session_confirm.error',
  'end_session_success.error',
  'introspection.error',
  'revocation.error',
  'registration_create.error',
  'registration_read.error',
  'registration_update.error',
  'registration_delete.error',
  'pushed_authorization_request.error',
  'device_authorization.error',
  'code_verification.error',
  'device_resume.error',
  'backchannel_authentication.error',
];

/** Grants and every error event of oidc-provider, logged and counted; route names for the access log. */
export function observeProvider(provider: Provider, obs: Observability): void {
  const { log, metrics } = obs;
  provider.use(async (ctx, next) => {
    await next();
    const route = (ctx as Partial<KoaContextWithOIDC>).oidc?.route;
    if (route) setProviderRoute(ctx.req, route);
  });
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const grantType = String(ctx.oidc.params?.grant_type ?? 'unknown');
    metrics?.oidcGrants.inc({ grant_type: grantType });
    log?.info({ grantType, client: ctx.oidc.client?.clientId }, 'token issued');
  });
  for (const event of PROVIDER_ERROR_EVENTS) {
    // oidc-provider's types list only some of the events it emits (lib/helpers/initialize_app.js).
    (provider as unknown as NodeJS.EventEmitter).on(event, (ctx: KoaContextWithOIDC, error: unknown) => {
      const oauth = error as { error?: unknown; error_description?: unknown; error_detail?: unknown };
      const code = typeof oauth.error === 'string' ? oauth.error : 'server_error';
      metrics?.oidcErrors.inc({ event, error: code });
      const fields = {
        event,
        route: ctx?.oidc?.route,
        client: ctx?.oidc?.client?.clientId,
        error: code,
        description: oauth.error_description,
        detail: oauth.error_detail,
      };
      if (event === 'server_error') log?.error({ ...fields, err: error }, 'oidc-provider server error');
      else log?.warn(fields, 'oidc-provider error');
    });
  }
}
