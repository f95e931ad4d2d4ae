import { z } from 'zod';
import { hasUnsafeChars } from './text';

/** Free text from a person (a note, a reason): trimmed, bounded, no control characters (it ends up in history and logs). */
export function freeTextSchema(max: number) {
  return z
    .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !hasUnsafeChars(s), 'must not contain control characters');
}
