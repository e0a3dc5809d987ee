import { z } from 'zod';
import { Timestamp } from '../../router/openapi/schemas.js';
import { FULFILMENT_POLICIES, INVOICE_PER } from './tenant.types.js';

/** Tenants, sellers and settings as the internal API answers them, for the OpenAPI documents. */

export const TenantView = z.object({ id: z.string(), name: z.string(), created_at: Timestamp }).strict().meta({ id: 'Tenant' });

export const SellerCreatedView = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    name: z.string(),
    code: z.string(),
    api_key: z.string().meta({ description: 'Shown this once: only its hash is kept' }),
  })
  .strict()
  .meta({ id: 'SellerCreated' });

export const TenantSettingsView = z
  .object({
    auto_approval: z.boolean(),
    routing: z.object({ proximity_weight: z.number(), performance_weight: z.number() }).strict(),
    hold_rules: z
      .object({ hold_unpaid_prepaid: z.boolean(), manual_review_above_total: z.number().nullable(), cod_limit: z.number().nullable() })
      .strict(),
    low_stock_threshold: z.number().int(),
    payment: z
      .object({
        on_failure: z.enum(['cancel', 'hold']).meta({ description: 'A payment failing after approval cancels the order, or holds it (payment_pending); stock is released either way' }),
        auto_release: z.boolean().meta({ description: 'Cancel (reason payment_timeout) prepaid orders unpaid after reservation_timeout_s, releasing what they hold' }),
        reservation_timeout_s: z.number().int(),
      })
      .strict(),
    courier: z
      .object({
        book_on: z.enum(['approved', 'packed']),
        carriers: z.array(z.object({ name: z.string(), base_url: z.string(), priority: z.number().int(), enabled: z.boolean() }).strict()),
      })
      .strict(),
    sla: z
      .object({
        approve_within_hours: z.number().nullable(),
        ship_within_hours: z.number().nullable(),
        deliver_within_hours: z.number().nullable(),
        at_risk_ratio: z.number(),
        channels: z.array(
          z
            .object({ sales_channel: z.string(), approve_within_hours: z.number().nullable().optional(), ship_within_hours: z.number().nullable().optional(), deliver_within_hours: z.number().nullable().optional() })
            .strict(),
        ),
        hubs: z.array(z.object({ hub_code: z.string(), cutoff_time: z.string().nullable(), working_days: z.array(z.number().int()).nullable() }).strict()),
      })
      .strict(),
    fulfilment: z
      .object({
        policy: z.enum(FULFILMENT_POLICIES).meta({ description: 'single_hub: held when no one hub can ship; split_allowed: fewest hubs then score, lines may be split; split_by_line: whole lines, at most max_parts' }),
        max_parts: z.number().int(),
      })
      .strict(),
    invoicing: z
      .object({ per: z.enum(INVOICE_PER).meta({ description: 'order: one invoice per order; fulfilment: each part of a split order gets its own invoice number when it ships' }) })
      .strict(),
  })
  .strict()
  .meta({ id: 'TenantSettings' });
