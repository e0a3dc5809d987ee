import { z } from 'zod';
import { ERROR_CODES } from '../../core/domain/errors.js';

/**
 * The shapes every route shares in the OpenAPI documents: the one error body the error
 * middleware renders, and the `{"data": ...}` envelopes of success bodies. Registered once
 * (by `id`) so each document carries them as components instead of repeating them per route.
 */

const FieldErrorSchema = z
  .object({
    field: z.string().meta({ description: 'Where the bad value is: `order_items.0.quantity`, `query.page`, `path.order_id`, `header.x-tenant-id`' }),
    message: z.string(),
  })
  .strict()
  .meta({ id: 'FieldError' });

export const ErrorBody = z
  .object({
    error: z
      .object({
        code: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...(keyof typeof ERROR_CODES)[]]).meta({ description: 'Stable: clients key on it' }),
        message: z.string().meta({ description: 'For people; "internal error" on 5xx' }),
        details: z
          .union([z.array(FieldErrorSchema), z.record(z.string(), z.unknown())])
          .meta({ description: 'validation_failed: every field that failed; other codes: an object (e.g. the existing order id on order_already_exists)' }),
        request_id: z.string().nullable().meta({ description: 'Also in the X-Request-Id response header; quote it when reporting a problem' }),
      })
      .strict(),
  })
  .strict()
  .meta({
    id: 'Error',
    description: 'Every error the API answers',
    example: {
      error: {
        code: 'validation_failed',
        message: 'request validation failed',
        details: [{ field: 'order_items.0.quantity', message: 'Too small: expected number to be >0' }],
        request_id: '6f1c2b7e-4f61-4d8e-9a55-0b8f0d6f3c21',
      },
    },
  });

/** `{"data": <item>}`: the body of every single-resource answer. */
export function dataOf<T extends z.ZodType>(item: T) {
  return z.object({ data: item }).strict();
}

/** `{"data": [<item>], "meta": {page, per_page, total}}`: the body of every paged list. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), meta: PageMeta }).strict();
}

export const PageMeta = z
  .object({ page: z.number().int(), per_page: z.number().int(), total: z.number().int().meta({ description: 'Matches over all pages' }) })
  .strict()
  .meta({ id: 'PageMeta' });

/** A point in time as the API writes it: ISO 8601 in UTC. */
export const Timestamp = z.iso.datetime({ offset: true });
