import type { Redis } from 'ioredis';
import type { Middleware } from 'koa';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { AppError } from '../domain/errors.js';
import { tenantScope } from '../domain/tenant-scope.js';
import { verifyCourierSignature } from './courier-signature.js';
import type { CourierIntegrationService } from './courier-integration.service.js';
import type { ShipmentRepository } from './shipment.repository.js';
import { tenantOfShipmentId, type Shipment } from './shipment.types.js';

export interface CourierWebhookAuthConfig {
  /** Seconds a webhook-timestamp may differ from now (Standard Webhooks: 5 minutes). */
  tolerance_s: number;
  /** The single shared X-Signature secret of the transition period; '' or legacy off: refused. */
  legacy_secret: string;
  legacy_enabled: boolean;
}

/**
 * Authenticates a courier webhook call before its body is parsed. Standard Webhooks: the
 * signature covers `webhook-id.webhook-timestamp.body` with the secret of the courier
 * integration of the tenant that owns the shipment in the path, so a body signed for one
 * tenant's shipment does not verify against another's and is answered 404, exactly as a missing
 * shipment. A timestamp outside the tolerance is 401; a webhook-id seen before (Redis, kept
 * twice the tolerance) is not applied again. The legacy X-Signature (body-only HMAC, one secret
 * for all tenants) is accepted only while configured for the transition.
 */
export function courierWebhookAuth(deps: { shipments: ShipmentRepository; integrations: CourierIntegrationService; redis: Redis; config: CourierWebhookAuthConfig }): Middleware {
  const { config } = deps;
  return async (ctx, next) => {
    const raw = ctx.request.rawBody ?? '';
    const id = ctx.get('webhook-id');
    const timestamp = ctx.get('webhook-timestamp');
    const signature = ctx.get('webhook-signature');
    if (!id && !timestamp && !signature) {
      if (config.legacy_enabled && config.legacy_secret && verifyCourierSignature(config.legacy_secret, raw, ctx.get('x-signature'))) return next();
      throw new AppError('unauthorized', 'missing webhook-id, webhook-timestamp or webhook-signature');
    }
    if (!/^[\w.:-]{1,128}$/.test(id) || !/^\d{1,12}$/.test(timestamp) || !signature) throw new AppError('unauthorized', 'malformed webhook-id, webhook-timestamp or webhook-signature');
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > config.tolerance_s) throw new AppError('unauthorized', `webhook-timestamp is more than ${config.tolerance_s} s from now`);

    const ref = decodeURIComponent(ctx.path.split('/')[3] ?? '');
    const shipment = await findShipment(deps.shipments, ref);
    const live = shipment ? await deps.integrations.liveSecrets(tenantScope(shipment.tenant_id), shipment.courier) : null;
    if (!shipment || !live || !live.secrets.some((secret) => verifies(secret, raw, { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature }))) {
      throw AppError.notFound('shipment', ref);
    }

    // Replay guard: the first call with this id wins; a failed call gives the id back so the courier's retry is applied.
    const replayKey = `courier-webhook:${live.integrationId}:${id}`;
    if ((await deps.redis.set(replayKey, '1', 'EX', config.tolerance_s * 2, 'NX')) !== 'OK') {
      ctx.status = 200;
      ctx.body = { data: { shipment_id: shipment.id, awb: shipment.awb, status: shipment.status, outcome: 'duplicate' } };
      return;
    }
    ctx.state.courierIntegrationId = live.integrationId;
    try {
      await next();
    } catch (err) {
      await deps.redis.del(replayKey).catch(() => undefined);
      throw err;
    }
  };
}

function verifies(secret: string, raw: string, headers: Record<string, string>): boolean {
  try {
    new Webhook(secret).verify(raw, headers);
    return true;
  } catch (err) {
    // The library parses the body after the signature held: a JSON error means it did hold.
    return !(err instanceof WebhookVerificationError);
  }
}

async function findShipment(repo: ShipmentRepository, ref: string): Promise<Shipment | null> {
  const tenantId = tenantOfShipmentId(ref);
  if (tenantId) return repo.findById(tenantScope(tenantId), ref);
  const awb = await repo.resolveAwb(ref);
  return awb ? repo.findById(tenantScope(awb.tenantId), awb.shipmentId) : null;
}

/** Test and client helper: the Standard Webhooks headers for one call. */
export function signCourierWebhook(secret: string, id: string, body: string, at = new Date()): Record<string, string> {
  const timestamp = Math.floor(at.getTime() / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': new Webhook(secret).sign(id, at, body) };
}
