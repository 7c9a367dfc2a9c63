import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError, dependencyDown, safeError } from '../../src/platform/dependency-errors.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
/** The shape drizzle throws: the SQL text and the parameters in the message and fields. */
function drizzleError(cause: unknown): Error {
  return Object.assign(new Error('Failed query: insert into events values ($1)\nparams: SECRET-TOOL-ARGS'), {
    name: 'DrizzleQueryError',
    query: 'insert into events values ($1)',
    params: ['SECRET-TOOL-ARGS'],
    cause,
  });
}

describe('dependencyDown', () => {
  it('recognises Postgres outages, bare and wrapped by drizzle', () => {
    expect(dependencyDown(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe('database');
    expect(dependencyDown(drizzleError(withCode('terminating connection due to administrator command', '57P01')))).toBe('database');
    expect(dependencyDown(drizzleError(new Error('Connection terminated unexpectedly')))).toBe('database');
    expect(dependencyDown(new Error('timeout exceeded when trying to connect'))).toBe('database');
    expect(dependencyDown(withCode('the database system is starting up', '57P03'))).toBe('database');
    expect(dependencyDown(new AggregateError([withCode('x', 'ECONNREFUSED')], 'all failed'))).toBe('database');
  });

  it('recognises Redis outages', () => {
    expect(dependencyDown(new Error('Connection is closed.'))).toBe('redis');
    expect(dependencyDown(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe('redis');
    expect(dependencyDown(new Error('Command timed out'))).toBe('redis');
    expect(dependencyDown(new DependencyUnavailableError('redis', new Error('x')))).toBe('redis');
  });

  it('does not mistake an outbound failure or a data error for an outage', () => {
    const outbound = new Error('connection refused by hooks.example.com', { cause: withCode('connect ECONNREFUSED', 'ECONNREFUSED') });
    expect(dependencyDown(outbound)).toBeNull();
    expect(dependencyDown(drizzleError(withCode('invalid input syntax for type uuid: "x"', '22P02')))).toBeNull();
    expect(dependencyDown(new TypeError('x is undefined'))).toBeNull();
  });
});

describe('safeError', () => {
  it('drops the SQL text, the parameters and quoted values, keeping the driver code', () => {
    const out = safeError(drizzleError(withCode('invalid input syntax for type json: "SECRET-TOOL-ARGS"', '22P02')));
    expect(JSON.stringify(out)).not.toContain('SECRET-TOOL-ARGS');
    expect(JSON.stringify(out)).not.toContain('insert into');
    expect(out).toMatchObject({ code: '22P02', message: expect.stringContaining('invalid input syntax') });
  });

  it('names the dependency and bounds the message', () => {
    const out = safeError(drizzleError(withCode(`terminating connection ${'x'.repeat(1000)}`, '57P01')));
    expect(out.dependency).toBe('database');
    expect(out.message.length).toBeLessThanOrEqual(201);
    expect(safeError(out)).toBe(out);
  });
});
