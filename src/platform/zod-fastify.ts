import type { FastifyInstance } from 'fastify';
import { z, type ZodType } from 'zod';
import { ValidationError, zodProblems } from './errors.js';

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
