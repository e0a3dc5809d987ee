import { z } from 'zod';
import { dataOf } from '../../router/openapi/schemas.js';
import type { RouteGroup } from '../../router/route-group.js';
import { IssuedServiceTokenView, RevokedView, ServiceTokenView } from './security.responses.js';
import { auditActorOf } from '../../router/scopes.js';
import { ALL_SCOPES } from './scopes.js';
import type { ServiceToken } from './service-token.repository.js';
import type { ServiceTokenService } from './service-token.service.js';

function toTokenView(t: ServiceToken): Record<string, unknown> {
  return { id: t.id, name: t.name, tenants: t.tenants ?? '*', scopes: t.scopes, created_at: t.created_at.toISOString(), revoked_at: t.revoked_at?.toISOString() ?? null };
}

/** Internal routes: service identities (only an all-tenant identity reaches them; see auth.ts). */
export function registerServiceTokenRoutes(internal: RouteGroup, tokens: ServiceTokenService): void {
  internal.add(
    {
      method: 'post',
      path: '/service-tokens', operationId: 'issueServiceToken', response: dataOf(IssuedServiceTokenView),
      summary: 'Issue a token for a calling service: its tenants ("*" for all) and scopes; returned once',
      tag: 'service tokens',
      scope: 'tokens:write',
      status: 201,
      body: z
        .object({
          name: z.string().trim().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and -'),
          tenants: z.union([z.literal('*'), z.array(z.string().min(1).max(100)).min(1)]),
          scopes: z.array(z.enum(ALL_SCOPES as [string, ...string[]])).min(1),
        })
        .strict(),
    },
    async ({ body, ctx }) => {
      const { token, secret } = await tokens.issue({ name: body.name, tenants: body.tenants === '*' ? null : body.tenants, scopes: body.scopes }, auditActorOf(ctx));
      return { body: { data: { ...toTokenView(token), token: secret } } };
    },
  );
  internal.add({ method: 'get', path: '/service-tokens', operationId: 'listServiceTokens', response: z.object({ data: z.array(ServiceTokenView) }).strict(), summary: 'Service identities (never their tokens)', tag: 'service tokens', scope: 'tokens:write' }, async () => ({
    body: { data: (await tokens.list()).map(toTokenView) },
  }));
  internal.add(
    { method: 'post', path: '/service-tokens/:token_id/revoke', operationId: 'revokeServiceToken', response: dataOf(RevokedView), summary: 'Revoke a service token at once', tag: 'service tokens', scope: 'tokens:write', params: z.object({ token_id: z.string().min(1).max(100) }) },
    async ({ params, ctx }) => {
      await tokens.revoke(params.token_id, auditActorOf(ctx));
      return { body: { data: { id: params.token_id, revoked: true } } };
    },
  );
}
