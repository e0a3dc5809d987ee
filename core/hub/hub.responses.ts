import { z } from 'zod';
import { Timestamp } from '../../router/openapi/schemas.js';

/** A hub as the API answers it (`toHubView`), for the OpenAPI documents. */
export const HubView = z
  .object({
    id: z.string(),
    code: z.string(),
    name: z.string(),
    latitude: z.number(),
    longitude: z.number(),
    is_external: z.boolean(),
    daily_capacity: z.number().int().nullable().meta({ description: 'Orders per UTC day; null: unlimited' }),
    priority: z.number().int(),
    performance_score: z.number(),
    active: z.boolean(),
    created_at: Timestamp,
  })
  .strict()
  .meta({ id: 'Hub' });
