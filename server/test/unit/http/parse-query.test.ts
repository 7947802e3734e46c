// parseQuery answers a bad query string as parseBody answers a bad body: 400, each problem named
// in the message and listed in details; the shared parameters say the same words on every route.
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { HttpError, invalidQuery, parseQuery } from '../../../src/http/errors.ts';
import { limit, oneOf, text } from '../../../src/http/query-params.ts';

const schema = z.object({ status: oneOf(['open', 'all'], 'all'), service: text(5).optional(), limit: limit(500, 50) });

function refusal(query: unknown): HttpError {
  try {
    parseQuery(schema, query);
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error(`${JSON.stringify(query)} was accepted`);
}

describe('parseQuery', () => {
  test('takes a good query string, with the defaults filled in', () => {
    expect(parseQuery(schema, { service: ' web ', limit: '10' })).toEqual({ status: 'all', service: 'web', limit: 10 });
    expect(parseQuery(schema, {})).toEqual({ status: 'all', limit: 50 });
  });

  test('a bad one is 400 invalid_query naming each parameter, with details', () => {
    const e = refusal({ status: 'closed', limit: '0' });
    expect(e.status).toBe(400);
    expect(e.toBody()).toEqual({
      error: {
        code: 'invalid_query',
        message: 'Invalid query — status: expected one of open, all; limit: expected a whole number from 1 to 500',
        details: [{ path: ['status'], message: 'expected one of open, all' }, { path: ['limit'], message: 'expected a whole number from 1 to 500' }],
      },
    });
  });

  test('the shared parameters say what to send', () => {
    expect(refusal({ limit: 'ten' }).message).toBe('Invalid query — limit: expected a whole number from 1 to 500');
    expect(refusal({ limit: '2.5' }).message).toBe('Invalid query — limit: expected a whole number from 1 to 500');
    expect(refusal({ service: ['a', 'b'] }).message).toBe('Invalid query — service: expected one value');
    expect(refusal({ service: '  ' }).message).toBe('Invalid query — service: must not be empty');
    expect(refusal({ service: 'abcdef' }).message).toBe('Invalid query — service: at most 5 characters');
  });

  test('a problem with the whole query string, and one a route finds itself, read the same way', () => {
    expect(refusal('nonsense').message).toMatch(/^Invalid query — query string: /);
    expect(invalidQuery([{ path: ['from'], message: 'must be before to' }]).toBody().error.message).toBe('Invalid query — from: must be before to');
  });
});
