import { z } from 'zod';
import { Timestamp } from '../../router/openapi/schemas.js';

/** Answers of the credential routes (api-key, service-token, rate-limit, audit controllers), for the internal document. */

export const ApiKeyView = z
  .object({
    id: z.string(),
    seller_id: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    created_at: Timestamp.nullable(),
    expires_at: Timestamp.nullable(),
    revoked_at: Timestamp.nullable(),
    last_used_at: Timestamp.nullable(),
    replaced_by: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

export const IssuedApiKeyView = ApiKeyView.extend({ api_key: z.string().meta({ description: 'The key itself: shown this once' }) });
export const RotatedApiKeyView = IssuedApiKeyView.extend({ replaced: ApiKeyView });

export const ServiceTokenView = z
  .object({
    id: z.string(),
    name: z.string(),
    tenants: z.union([z.literal('*'), z.array(z.string())]),
    scopes: z.array(z.string()),
    created_at: Timestamp,
    revoked_at: Timestamp.nullable(),
  })
  .meta({ id: 'ServiceToken' });

export const IssuedServiceTokenView = ServiceTokenView.extend({ token: z.string().meta({ description: 'The token itself: shown this once' }) });
export const RevokedView = z.object({ id: z.string(), revoked: z.literal(true) });

export const RateLimitsView = z
  .object({ key_per_minute: z.number().int().nullable(), tenant_per_minute: z.number().int().nullable() })
  .meta({ id: 'TenantRateLimits' });

export const AuditEntryView = z
  .looseObject({
    id: z.string(),
    tenant_id: z.string(),
    at: Timestamp,
    action: z.string(),
    target: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEntry', description: 'One security-relevant action, with its actor (kind, name) and request id' });
