/**
 * The request being served, wherever the code runs (core, oidc-provider's events, store calls):
 * log lines read the request id from here.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestContext {
  requestId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

/** The current request's id, or undefined outside a request (start, shutdown, timers). */
export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}
