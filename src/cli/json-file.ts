/**
 * A data file an operator command saves (a plan, a rule set): read, parsed as JSON and validated
 * before anything is written, each failure an exit-2 message naming the file and the problem.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { formatZodError } from '../domain';
import { invalid } from './errors';

export function readValidatedJson<S extends z.ZodType>(file: string, schema: S, what: string): z.infer<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw invalid(`--file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw invalid(`--file: ${file} is not JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalid(`invalid ${what} in ${file}: ${formatZodError(parsed.error)}; nothing was saved`);
  return parsed.data;
}
