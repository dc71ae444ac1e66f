/**
 * The test IdP (startTestIdp) plus provisioning clients, admin API tokens and
 * a fetch wrapper that validates every response against openapi.yaml.
 */
import { randomBytes } from 'node:crypto';
import {
  createAesGcmSecretBox,
  outboxNotifier,
  outboxSmsSender,
  type SecretBox,
  type Stores,
} from '@twostep/core';
import {
  ADMIN_SCOPE,
  type AdapterClass,
  adminAudience,
  createIdp,
  type Idp,
  type IdpClient,
} from '@twostep/oidc-server';
import {
  listenFirst,
  startTestIdp,
  TEST_PASSWORD_COST,
  type TestIdp,
  type TestIdpOptions,
} from '../helpers/idp.ts';
import { assertMatchesSpec } from './openapi.ts';

export interface ProvisioningIdp extends TestIdp {
  audience: string;
  /** Provisioning client of clinic-maple (`idp.clinic`). */
  maple: { clientId: string; clientSecret: string };
  /** Provisioning client of clinic-birch (`idp.relaxedClinic`). */
  birch: { clientId: string; clientSecret: string };
}

/**
 * Registers a provisioning client the way a persistent adapter would hold it:
 * as a client stored in oidc-provider's adapter (`Client` model), which
 * oidc-provider loads and validates (including `clinic_id`) on first use.
 * Configured clients (`createIdp({ clients })`) are covered in api.test.ts too.
 */
export async function registerProvisioningClient(
  idp: TestIdp,
  clinicId: string,
  extra: Record<string, unknown> = {},
): Promise<{ clientId: string; clientSecret: string }> {
  const clientId = `prov-${randomBytes(6).toString('hex')}`;
  const clientSecret = randomBytes(24).toString('base64url');
  const Client = idp.idp.provider.Client as unknown as {
    adapter: { upsert(id: string, payload: object, expiresIn?: number): Promise<void> };
  };
  await Client.adapter.upsert(clientId, {
    client_id: clientId,
    client_secret: clientSecret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    clinic_id: clinicId,
    ...extra,
  });
  return { clientId, clientSecret };
}

export async function startProvisioningIdp(options: TestIdpOptions = {}): Promise<ProvisioningIdp> {
  const idp = await startTestIdp(options);
  return {
    ...idp,
    audience: adminAudience(idp.issuer),
    maple: await registerProvisioningClient(idp, idp.clinic.id),
    birch: await registerProvisioningClient(idp, idp.relaxedClinic.id),
  };
}

/** The raw token endpoint answer for a client-credentials request. */
export async function tokenRequest(
  issuer: string,
  client: { clientId: string; clientSecret: string },
  params: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...params }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function adminToken(
  idp: { issuer: string; audience: string },
  client: { clientId: string; clientSecret: string },
  scope: string = ADMIN_SCOPE,
): Promise<string> {
  const { status, body } = await tokenRequest(idp.issuer, client, {
    ...(scope ? { scope } : {}),
    resource: idp.audience,
  });
  if (status !== 200 || typeof body.access_token !== 'string')
    throw new Error(`token request failed: ${status} ${JSON.stringify(body)}`);
  return body.access_token;
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * Calls `method template` (e.g. `GET /staff/{id}`) with path parameters filled
 * in, and validates the answer against openapi.yaml before returning it.
 */
export async function api<T = Record<string, unknown>>(
  idp: { audience: string },
  token: string | null,
  method: string,
  template: string,
  options: {
    params?: Record<string, string>;
    query?: string;
    body?: unknown;
    rawBody?: string;
    contentType?: string;
    authorization?: string;
  } = {},
): Promise<ApiResponse<T>> {
  const path = template.replace(/\{(\w+)\}/g, (_m, name: string) =>
    encodeURIComponent(options.params?.[name] ?? ''),
  );
  const headers: Record<string, string> = {};
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  else if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const res = await fetch(`${idp.audience}${path}${options.query ? `?${options.query}` : ''}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // left as text; the spec check reports it
  }
  const response = { status: res.status, headers: res.headers, body: parsed as T };
  assertMatchesSpec(method, template, response);
  return response;
}

/** A bare IdP over the given stores (no seeding), on 127.0.0.1 port 0. */
export async function startBareIdp(
  stores: Stores,
  hashKey: Uint8Array,
  clients: IdpClient[] = [],
  adapter?: AdapterClass,
  secretBox: SecretBox = createAesGcmSecretBox([{ id: 'k', key: new Uint8Array(randomBytes(32)) }]),
): Promise<{ issuer: string; idp: Idp; close(): Promise<void> }> {
  const server = await listenFirst();
  const { issuer } = server;
  const idp = createIdp({
    issuer,
    stores,
    secretBox,
    hashKey,
    smsSender: outboxSmsSender(),
    notifier: outboxNotifier(),
    logger: { warn() {}, error() {} },
    passwordCost: TEST_PASSWORD_COST,
    clients,
    ...(adapter ? { adapter } : {}),
  });
  server.serve(idp.app);
  return { issuer, idp, close: () => server.close() };
}
