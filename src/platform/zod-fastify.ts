import type { FastifyInstance } from 'fastify';
import { z, type ZodType } from 'zod';
import { ValidationError, zodProblems, type Problem } from './errors.js';

/**
 * Zod as Fastify's schema language: route `schema.body/querystring/params/headers` are zod
 * schemas (validated, coerced, strict), and `schema.response[status]` zod schemas double as
 * field allow-lists on the way out, so a secret column cannot leak by accident.
 */
export function installZod(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const zod = schema as unknown as ZodType;
    const part = httpPart === 'querystring' ? 'query' : httpPart === 'params' ? 'path' : (httpPart ?? 'body');
    return (data: unknown) => {
      const result = zod.safeParse(data);
      if (result.success) return { value: result.data };
      return { error: new ValidationError(zodProblems(result.error, part), part) };
    };
  });
  app.setSerializerCompiler(({ schema }) => {
    const zod = schema as unknown as ZodType;
    return (data: unknown) => JSON.stringify(zod.parse(data));
  });
}

/** Parse a value against a schema and raise the standard 422 naming the field. */
export function parseOr422<T extends ZodType>(schema: T, data: unknown, root: string): z.output<T> {
  const result = schema.safeParse(data);
  if (!result.success) throw new ValidationError(zodProblems(result.error, root), root);
  return result.data;
}

/** Common field schemas. */
export const ENV_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;
export const envName = z
  .string()
  .regex(ENV_RE, 'must be 1-64 characters: letters, digits, ".", "_" or "-", starting with a letter or digit');
export const uuidParam = z.string().uuid('must be a UUID');
export const isoDate = z.iso.datetime({ offset: true, local: false }).or(z.iso.datetime({ local: true }));
export const ErrorResponse = z.object({ detail: z.union([z.string(), z.array(z.record(z.string(), z.unknown()))]) });

// Without the `u` flag the regex sees UTF-16 code units, which is what "unpaired" is about.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Text Postgres can store as given: no NUL (text and jsonb refuse it) and no lone UTF-16
 * surrogate (jsonb refuses the escape; text would silently turn it into U+FFFD).
 */
export const isStorableText = (s: string): boolean => !s.includes('\u0000') && !LONE_SURROGATE.test(s);
export const STORABLE_TEXT_MSG = 'must not contain NUL characters or unpaired surrogates';

/** The one string schema for free text in params, queries and bodies: bounded and storable. */
export const text = (max: number) => z.string().max(max, `must be at most ${max} characters`).refine(isStorableText, STORABLE_TEXT_MSG);

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route stores agent-sent text after repairing it itself (events: NUL and lone surrogates
     * become U+FFFD, so an agent's batch is never refused for one bad character): the text guard
     * then leaves the body alone (params and query are still checked).
     */
    repairsText?: boolean;
  }
}

const MAX_SCANNED_NODES = 200_000;

/**
 * Whether `value` holds any unstorable string or key. The common case on every request (agents'
 * session values, approval arguments): no allocation per node, no paths; only a hit pays for
 * `unstorable`'s located walk.
 */
function anyUnstorable(value: unknown): boolean {
  const stack: unknown[] = [value];
  for (let n = 0; stack.length > 0 && n < MAX_SCANNED_NODES; n++) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (!isStorableText(v)) return true;
    } else if (Array.isArray(v)) {
      for (const child of v) stack.push(child);
    } else if (v !== null && typeof v === 'object') {
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        if (!isStorableText(k)) return true;
        stack.push((v as Record<string, unknown>)[k]);
      }
    }
  }
  return false;
}

/** Problems for every unstorable string (or object key) in `value`, located under `root`. */
function unstorable(value: unknown, root: string): Problem[] {
  const problems: Problem[] = [];
  const stack: { v: unknown; loc: (string | number)[] }[] = [{ v: value, loc: [root] }];
  for (let n = 0; stack.length > 0 && n < MAX_SCANNED_NODES && problems.length < 10; n++) {
    const { v, loc } = stack.pop()!;
    if (typeof v === 'string') {
      if (!isStorableText(v)) problems.push({ loc, msg: STORABLE_TEXT_MSG });
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], loc: [...loc, i] });
      continue;
    }
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
      if (!isStorableText(k)) problems.push({ loc: [...loc, k], msg: `key ${STORABLE_TEXT_MSG}` });
      stack.push({ v: child, loc: [...loc, k] });
    }
  }
  return problems;
}

/**
 * Every string of every route's path, query and JSON body is checked for text Postgres cannot
 * store, before the route's own schema runs, so no route can forget it: such input is a 422
 * naming the field, never a database error (500). Installed after the auth guard, so a stranger
 * still hears 401 first.
 */
export function installTextGuard(app: FastifyInstance): void {
  const parts = [
    ['params', 'path'],
    ['querystring', 'query'],
    ['body', 'body'],
  ] as const;
  app.addHook('preValidation', async (request) => {
    const problems: Problem[] = [];
    for (const [part, root] of parts) {
      if (part === 'body' && request.routeOptions.config?.repairsText) continue;
      const value = part === 'params' ? request.params : part === 'querystring' ? request.query : request.body;
      if (!anyUnstorable(value)) continue;
      const found = unstorable(value, root);
      if (found.length === 0) continue;
      problems.push(...found);
      // Name the part's other problems too, as the route's schema would have.
      const schema = (request.routeOptions.schema as Record<string, unknown> | undefined)?.[part] as ZodType | undefined;
      const result = schema?.safeParse(value);
      if (result && !result.success) {
        const seen = new Set(found.map((p) => p.loc.join('.')));
        problems.push(...zodProblems(result.error, root).filter((p) => !seen.has(p.loc.join('.'))));
      }
    }
    if (problems.length > 0) throw new ValidationError(problems, String(problems[0]!.loc[0]));
  });
}
