import { z } from 'zod';
import { dataOf } from '../../router/openapi/schemas.js';
import type { RouteGroup } from '../../router/route-group.js';
import { EffectView, ReplayedEffectView } from './effect.responses.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { EffectRepository } from './effect.repository.js';
import type { EffectService } from './effect.service.js';
import { toEffectView } from './effect.types.js';

const TenantParams = z.object({ tenant_id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'not a tenant id') });
const EffectParams = TenantParams.extend({ effect_id: z.string().regex(/^[A-Za-z0-9_.:-]{1,300}$/, 'not an effect id') });
const EffectQuery = z.object({
  status: z.enum(['pending', 'parked', 'sent']).optional(),
  order_id: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Effects that failed at least once (pending, parked, sent after retries), for operators, and replay of parked ones. */
export function registerEffectRoutes(internal: RouteGroup, effects: EffectService, records: EffectRepository): void {
  internal.add(
    { method: 'get', path: '/tenants/:tenant_id/effects', operationId: 'listEffects', response: z.object({ data: z.array(EffectView) }).strict(), summary: 'Side effects of events that failed at least once', tag: 'effects', params: TenantParams, query: EffectQuery },
    async ({ params, query }) => ({
      body: { data: (await records.list(tenantScope(params.tenant_id), { status: query.status, order_id: query.order_id }, query.limit)).map(toEffectView) },
    }),
  );
  internal.add(
    {
      method: 'post',
      path: '/tenants/:tenant_id/effects/:effect_id/replay', operationId: 'replayEffect', response: dataOf(ReplayedEffectView),
      summary: 'Retry a parked or pending effect now and answer its outcome (a sent one is refused: replays never send twice)',
      tag: 'effects',
      params: EffectParams,
      errors: { 409: 'conflict: the effect was sent already' },
    },
    async ({ params }) => {
      const { outcome, record } = await effects.replay(tenantScope(params.tenant_id), params.effect_id);
      return { body: { data: { ...toEffectView(record), outcome } } };
    },
  );
}
