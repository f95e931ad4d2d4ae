import { z } from 'zod';

/**
 * Identifiers end up in Temporal workflow IDs, log lines and SQL parameters, so they are kept to a
 * conservative alphabet: no spaces, quotes, slashes or control characters, and a bounded length.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const ID_MESSAGE = 'must be 1-64 letters, digits, "_" or "-", starting with a letter or digit';

export const IdSchema = z
  .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') })
  .regex(ID_PATTERN, ID_MESSAGE);
export type Id = z.infer<typeof IdSchema>;
