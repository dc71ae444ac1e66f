/**
 * Logs: one JSON line per event (pino), each line inside a request carrying its `reqId`
 * (the proxy's `X-Request-Id` when well-formed, else a new UUID; returned in the response).
 *
 * What never goes into a line: passwords, codes, recovery codes, tokens, cookies, secrets, full
 * phone numbers. The access log records the route template (`/welcome/:token`), never the URL or
 * headers; core's details and audit details are already masked (phone numbers as `•••• 0123`);
 * `redact` is a second net for fields with those names.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Logger } from '@twostep/core';
import type { RequestHandler } from 'express';
import pino from 'pino';
import type PinoPretty from 'pino-pretty';
import { currentRequestId, requestContext } from './request-context.ts';
import { routeOf } from './routes.ts';

export type Log = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LogOptions {
  /** Default `info`. */
  level?: LogLevel;
  /** Human-readable lines instead of JSON (development). Default false. */
  pretty?: boolean;
  /** Where lines go; default stdout. Tests pass a stream that collects them. */
  destination?: pino.DestinationStream;
}

/**
 * Field names whose values are removed from a line: at the top level, in an error (`err`), and in an
 * audit line and its details. Named paths, not `*.field`: a wildcard made every line cost 3× as much.
 */
const SECRET_FIELDS = [
  'password',
  'newPassword',
  'recoveryCode',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'secret',
  'clientSecret',
  'client_secret',
  'cookie',
  'authorization',
];

/** pino-pretty (development only) is loaded when asked for: production processes never carry it. */
const loadPretty = (): typeof PinoPretty => createRequire(import.meta.url)('pino-pretty');

export function createLog(options: LogOptions = {}): Log {
  const destination =
    options.destination ??
    (options.pretty
      ? loadPretty()({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
      : undefined);
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // A line written inside a request names it; a line's own `reqId` (the access log's) wins.
      mixin() {
        const reqId = currentRequestId();
        return reqId === undefined ? {} : { reqId };
      },
      redact: {
        paths: ['', 'err.', 'audit.', 'audit.details.'].flatMap((at) => SECRET_FIELDS.map((f) => at + f)),
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ sync: true }),
  );
}

/** A well-formed id from the proxy is kept (so its logs and ours match); anything else is replaced. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * The request id (header in, header out, `requestContext` for every line written while the request
 * runs) and one access-log line per response: method, route template, status, milliseconds. No URL
 * (tokens travel in some) and no headers. Written when the response closes: "request", "request
 * failed" (5xx, at error) or "request aborted" (the client left before the response was sent).
 */
export function requestLogging(log: Log): RequestHandler {
  return (req, res, next) => {
    const reqId = requestIdOf(req);
    res.setHeader('X-Request-Id', reqId);
    const start = performance.now();
    res.once('close', () => {
      const line = {
        reqId,
        method: req.method,
        route: routeOf(req),
        status: res.statusCode,
        ms: Math.round(performance.now() - start),
      };
      if (!res.writableFinished) log.info(line, 'request aborted');
      else if (res.statusCode >= 500) log.error(line, 'request failed');
      else log.info(line, 'request');
    });
    requestContext.run({ requestId: reqId }, next);
  };
}

/** Core's `Logger` port on a pino log: `details.error` becomes pino's `err` (message, code, stack). */
export function coreLogger(log: Log): Logger {
  const fields = (details: Record<string, unknown> | undefined) => {
    if (!details) return {};
    const { error, ...rest } = details;
    return error === undefined ? rest : { ...rest, err: error };
  };
  return {
    warn: (message, details) => log.warn(fields(details), message),
    error: (message, details) => log.error(fields(details), message),
  };
}
