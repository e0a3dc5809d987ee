import { z } from 'zod';
import { AppError, type FieldError } from './errors.js';
import { unsafeTextFields } from './safe-text.js';

/**
 * Parses `input` with `schema`; on failure a 400 `validation_failed` naming every bad field.
 * Every string in the input must be safe text (safe-text.ts): one check here serves every schema.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const unsafe = unsafeTextFields(input, prefix);
  if (unsafe.length > 0) throw AppError.validation(unsafe);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw AppError.validation(zodFieldErrors(result.error, prefix));
}

export function zodFieldErrors(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)',
    message: issue.message,
  }));
}
