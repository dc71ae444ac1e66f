/**
 * Checks admin API responses against packages/oidc-server/openapi.yaml: the
 * status must be documented for the operation, the JSON body must match its
 * schema (JSON Schema 2020-12, as OpenAPI 3.1 says), required headers present.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

type Json = Record<string, unknown>;

const specPath = fileURLToPath(new URL('../../packages/oidc-server/openapi.yaml', import.meta.url));
export const spec = parse(readFileSync(specPath, 'utf8')) as Json & {
  paths: Record<string, Record<string, Json>>;
  components: Json & { responses: Record<string, Json> };
};

const ajv = new Ajv2020({ strict: false, allErrors: true });
// ajv-formats is CommonJS; its default export is the plugin function.
const addFormats =
  (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema({ ...spec, $id: 'openapi' });

/** Operations whose documented responses were seen, "METHOD /path status". */
export const seen = new Set<string>();

function deref(value: Json): Json {
  const ref = value.$ref;
  if (typeof ref !== 'string') return value;
  const parts = ref.replace(/^#\//, '').split('/');
  let node: unknown = spec;
  for (const part of parts) node = (node as Json)[part];
  return node as Json;
}

export interface SpecResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Throws (with the Ajv errors) unless `response` is what the spec says `method template` returns. */
export function assertMatchesSpec(method: string, template: string, response: SpecResponse): void {
  const operation = spec.paths[template]?.[method.toLowerCase()];
  if (!operation) throw new Error(`openapi.yaml has no ${method} ${template}`);
  const responses = operation.responses as Record<string, Json>;
  const documented = responses[String(response.status)];
  if (!documented)
    throw new Error(
      `${method} ${template}: status ${response.status} is not documented (${Object.keys(responses).join(', ')}); body ${JSON.stringify(response.body)}`,
    );
  const resp = deref(documented);
  for (const [name, header] of Object.entries((resp.headers ?? {}) as Record<string, Json>)) {
    const value = response.headers.get(name);
    if (header.required && value === null) throw new Error(`${method} ${template}: header ${name} missing`);
    const pattern = (header.schema as Json | undefined)?.pattern;
    if (value !== null && typeof pattern === 'string' && !new RegExp(pattern).test(value))
      throw new Error(`${method} ${template}: header ${name} "${value}" does not match ${pattern}`);
  }
  const content = resp.content as Record<string, Json> | undefined;
  const media = content?.['application/json'];
  if (media) {
    const type = response.headers.get('content-type') ?? '';
    if (!type.startsWith('application/json'))
      throw new Error(`${method} ${template}: content-type ${type}, expected application/json`);
    const schemaRef = (media.schema as Json).$ref as string;
    const validate = ajv.getSchema(`openapi${schemaRef}`);
    if (!validate) throw new Error(`no schema ${schemaRef}`);
    if (!validate(response.body))
      throw new Error(
        `${method} ${template} ${response.status}: body does not match ${schemaRef}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(response.body)}`,
      );
  }
  seen.add(`${method.toUpperCase()} ${template} ${response.status}`);
}

/** Every documented operation, "METHOD /path". */
export function operations(): string[] {
  return Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((k) => ['get', 'post', 'patch', 'put', 'delete'].includes(k))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}
