/**
 * The scopes a credential may hold. A route declares the one it needs where it is registered
 * (RouteSpec.scope, router/scopes.ts defaultScope otherwise). First those a seller credential
 * (API key, platform JWT) may hold.
 */
export const SELLER_SCOPES = [
  'orders:read',
  'orders:write',
  'inventory:read',
  'inventory:write',
  'shipments:read',
  'shipments:write',
  'returns:read',
  'returns:write',
  'invoices:read',
  'hubs:read',
  'bulk',
  'dashboard:read',
  'rules:read',
  'rules:write',
  'webhooks:read',
  'webhooks:write',
] as const;

/** Internal-only scopes, granted to service identities (besides the seller scopes). */
export const INTERNAL_SCOPES = [
  'tenants:read',
  'tenants:write',
  'hubs:write',
  'keys:read',
  'keys:write',
  'tokens:write',
  'couriers:write',
  'audit:read',
  'events:read',
  'limits:write',
  'metrics:read',
] as const;

export type Scope = (typeof SELLER_SCOPES)[number] | (typeof INTERNAL_SCOPES)[number];
export const ALL_SCOPES: readonly Scope[] = [...SELLER_SCOPES, ...INTERNAL_SCOPES];
