// Query-string parameters as the routes read them, with the same words for the same mistakes
// everywhere (`?limit=` on every list, a parameter given twice, a value out of its list).
import { z } from 'zod';

/** A parameter given once (`?a=1&a=2` arrives as an array); trimmed, at most `max` characters. */
export const text = (max: number) =>
  z.string({ error: (issue) => (issue.input === undefined ? 'required' : 'expected one value') })
    .trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);

/** `?limit=`: a whole number of items from 1 to `max`, `byDefault` when absent. */
export const limit = (max: number, byDefault: number) => {
  const range = `expected a whole number from 1 to ${max}`;
  return z.coerce.number({ error: range }).int(range).min(1, range).max(max, range).default(byDefault);
};

/** One of `values`, `byDefault` when absent. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T, byDefault: T[number]) =>
  z.enum(values, { error: `expected one of ${values.join(', ')}` }).default(byDefault);
