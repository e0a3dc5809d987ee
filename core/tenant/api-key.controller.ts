import { z } from 'zod';
import { dataOf } from '../../router/openapi/schemas.js';
import type { RouteGroup } from '../../router/route-group.js';
import { auditActorOf } from '../../router/scopes.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { ApiKeyService } from './api-key.service.js';
import type { ApiKey } from './api-key.types.js';
import { ApiKeyView, IssuedApiKeyView, RotatedApiKeyView } from './security.responses.js';
import { SELLER_SCOPES } from './scopes.js';
import type { TenantService } from './tenant.service.js';

const SellerParams = z.object({ tenant_id: z.string().min(1).max(100), seller_id: z.string().min(1).max(100) });
const KeyParams = SellerParams.extend({ key_id: z.string().min(1).max(100) });
const IssueBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(z.enum(SELLER_SCOPES)).min(1),
    expires_at: z.iso.datetime({ offset: true }).nullish(),
  })
  .strict()
  .refine((b) => !b.expires_at || Date.parse(b.expires_at) > Date.now(), { path: ['expires_at'], message: 'must be in the future' });

export function toKeyView(k: ApiKey): Record<string, unknown> {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return { id: k.id, seller_id: k.seller_id, name: k.name, scopes: k.scopes, created_at: iso(k.created_at), expires_at: iso(k.expires_at), revoked_at: iso(k.revoked_at), last_used_at: iso(k.last_used_at), replaced_by: k.replaced_by };
}

/** Internal routes: a seller's API keys (issue, list, rotate with a grace period, revoke). */
export function registerApiKeyRoutes(internal: RouteGroup, keys: ApiKeyService, tenants: TenantService): void {
  const base = '/tenants/:tenant_id/sellers/:seller_id/keys';
  internal.add(
    { method: 'post', path: base, operationId: 'issueApiKey', response: dataOf(IssuedApiKeyView), summary: 'Issue an API key with scopes; the key is returned once', tag: 'api keys', scope: 'keys:write', status: 201, params: SellerParams, body: IssueBody },
    async ({ params, body, ctx }) => {
      const scope = tenantScope(params.tenant_id);
      await tenants.requireSeller(scope, params.seller_id);
      const { key, apiKey } = await keys.issue(scope, params.seller_id, { name: body.name, scopes: body.scopes, expires_at: body.expires_at ? new Date(body.expires_at) : null }, auditActorOf(ctx));
      return { body: { data: { ...toKeyView(key), api_key: apiKey } } };
    },
  );
  internal.add({ method: 'get', path: base, operationId: 'listApiKeys', response: z.object({ data: z.array(ApiKeyView) }).strict(), summary: "A seller's API keys (never the keys themselves)", tag: 'api keys', scope: 'keys:read', params: SellerParams }, async ({ params }) => {
    const scope = tenantScope(params.tenant_id);
    await tenants.requireSeller(scope, params.seller_id);
    return { body: { data: (await keys.list(scope, params.seller_id)).map(toKeyView) } };
  });
  internal.add(
    {
      method: 'post',
      path: `${base}/:key_id/rotate`, operationId: 'rotateApiKey', response: dataOf(RotatedApiKeyView),
      summary: 'Issue a replacement key; the old one keeps working for grace_seconds',
      tag: 'api keys',
      scope: 'keys:write',
      params: KeyParams,
      body: z.object({ grace_seconds: z.number().int().min(0).max(30 * 86400).default(3600) }).strict(),
    },
    async ({ params, body, ctx }) => {
      const { key, apiKey, old } = await keys.rotate(tenantScope(params.tenant_id), params.seller_id, params.key_id, body.grace_seconds, auditActorOf(ctx));
      return { body: { data: { ...toKeyView(key), api_key: apiKey, replaced: toKeyView(old) } } };
    },
  );
  internal.add(
    { method: 'post', path: `${base}/:key_id/revoke`, operationId: 'revokeApiKey', response: dataOf(ApiKeyView), summary: 'Revoke a key: refused at once by every process', tag: 'api keys', scope: 'keys:write', params: KeyParams },
    async ({ params, ctx }) => ({ body: { data: toKeyView(await keys.revoke(tenantScope(params.tenant_id), params.seller_id, params.key_id, auditActorOf(ctx))) } }),
  );
}
