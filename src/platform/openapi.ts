import type { FastifyInstance, RouteOptions } from 'fastify';
import { z, type ZodType } from 'zod';
import { renderApiReference } from './openapi-page.js';

/**
 * The OpenAPI 3.1 description, generated from the zod schemas the routes validate with (one
 * copy: whatever a route declares in `schema` is what it checks and what is documented), with
 * each route's credential from `config.auth`. Routes are collected as they are registered
 * (`onRoute`), so the document covers every route, including those added by later modules.
 */

export const OPENAPI_PATH = '/api/v1/openapi.json';
export const DOCS_PATH = '/api/docs';

type Json = Record<string, unknown>;

interface Collected {
  method: string;
  url: string;
  auth: string;
  schema: RouteOptions['schema'];
}

/** Who may call a route, as OpenAPI security requirements (empty list = no credential). */
const SECURITY: Record<string, Json[]> = {
  none: [],
  session: [{ session: [] }],
  admin: [{ session: [] }],
  apiKey: [{ apiKey: [] }],
  either: [{ session: [] }, { apiKey: [] }],
};

const AUTH_TEXT: Record<string, string> = {
  none: 'No credential.',
  session: 'Dashboard session cookie (mutating requests also need `X-Requested-With`).',
  admin: 'Dashboard session cookie of an admin (mutating requests also need `X-Requested-With`).',
  apiKey: 'API key: `Authorization: Bearer edk_…`.',
  either: 'Dashboard session cookie or API key.',
};

/** JSON Schema of a zod schema, for the side of the wire it describes. */
function jsonSchema(schema: unknown, io: 'input' | 'output'): Json {
  try {
    const out = z.toJSONSchema(schema as ZodType, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
    delete out.$schema; // OpenAPI 3.1 uses 2020-12 throughout
    return out;
  } catch {
    return {}; // a schema JSON Schema cannot express (a custom check): documented as "anything"
  }
}

/** `/api/v1/bundles/:name/:version` -> `/api/v1/bundles/{name}/{version}`; `*` -> `{wildcard}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{wildcard}');
}

function parameters(where: 'path' | 'query' | 'header', schema: unknown, url: string): Json[] {
  const names = where === 'path' ? [...openApiPath(url).matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!) : [];
  const js = schema ? jsonSchema(schema, 'input') : {};
  const props = (js.properties ?? {}) as Record<string, Json>;
  const required = new Set((js.required ?? []) as string[]);
  const out: Json[] = Object.entries(props).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    schema: s,
  }));
  // Path parameters the route has but its schema does not declare are still parameters.
  for (const name of names) if (!props[name]) out.push({ name, in: 'path', required: true, schema: { type: 'string' } });
  return out;
}

function operation(r: Collected): Json {
  const s = (r.schema ?? {}) as { body?: unknown; querystring?: unknown; params?: unknown; headers?: unknown; response?: Record<string, unknown> };
  const responses: Json = {};
  for (const [status, schema] of Object.entries(s.response ?? {})) {
    responses[status] = { description: `HTTP ${status}`, content: { 'application/json': { schema: jsonSchema(schema, 'output') } } };
  }
  if (Object.keys(responses).length === 0) responses.default = { description: 'See docs/api.md (streams, redirects and static files have no JSON schema).' };
  const segments = r.url.split('/').filter(Boolean);
  const area = segments[1] === 'v1' ? (segments[2] ?? 'api') : 'api';
  const tag = area === 'openapi.json' || r.url === DOCS_PATH ? 'openapi' : area;
  return {
    operationId: `${r.method.toLowerCase()}${openApiPath(r.url).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    tags: [tag],
    summary: `${r.method} ${openApiPath(r.url)}`,
    description: `Auth: ${AUTH_TEXT[r.auth] ?? r.auth}`,
    'x-edictum-auth': r.auth,
    security: SECURITY[r.auth] ?? [],
    parameters: [
      ...parameters('path', s.params, r.url),
      ...parameters('query', s.querystring, r.url),
      ...(s.headers ? parameters('header', s.headers, r.url) : []),
    ],
    ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(s.body, 'input') } } } } : {}),
    responses,
  };
}

export function buildOpenApiDocument(routes: Collected[], info: { version: string; serverUrl: string }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const path = openApiPath(r.url);
    (paths[path] ??= {})[r.method.toLowerCase()] = operation(r);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'edictum console API',
      version: info.version,
      description: 'Generated from the zod schemas the routes validate with. Errors are `{"detail": "..."}`; validation errors are 422 with `detail: [{loc, msg, type}]`. See docs/api.md.',
    },
    servers: [{ url: info.serverUrl }],
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'edictum_session', description: 'The dashboard session cookie (sign in with POST /api/v1/auth/login).' },
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key, `edk_<env>_…`, scoped to one environment.' },
      },
    },
    paths,
  };
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Collect routes as they register; serve the document and the reference page built from them.
 * Every route under /api/ is described; the dashboard's static files and the `/` redirect are
 * not part of the API.
 */
export function installOpenApi(app: FastifyInstance, info: { version: string; serverUrl: string }): void {
  const routes: Collected[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) {
      if (METHODS.has(method) && r.url.startsWith('/api/')) routes.push({ method, url: r.url, auth: r.config?.auth ?? 'none', schema: r.schema });
    }
  });
  let doc: Json | null = null;
  let page: string | null = null;
  // Built on first use: by then every module has registered its routes.
  const document = () => (doc ??= buildOpenApiDocument(routes, info));

  app.get(OPENAPI_PATH, async (_request, reply) => reply.type('application/json; charset=utf-8').send(JSON.stringify(document())));
  app.get(DOCS_PATH, async (_request, reply) => reply.type('text/html; charset=utf-8').send((page ??= renderApiReference(document()))));
}
