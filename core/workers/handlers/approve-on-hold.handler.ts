import { z } from 'zod';
import { sellerScope } from '../../domain/tenant-scope.js';
import type { ApproveOnHoldService } from '../../hub_routing/approve-on-hold.service.js';
import type { MessageHandler } from '../runtime/listener.js';

const id = z.string().trim().min(1).max(200);
export const ApproveOnHoldMessage = z.object({ event: z.literal('approve_on_hold'), tenant_id: id, seller_id: id, order_id: id.nullish() });

/** oms-approve-on-hold-queue: re-evaluate one held order, or every held order of the seller, oldest first. */
export function approveOnHoldHandler(sweeper: ApproveOnHoldService): MessageHandler {
  return {
    kind: 'single',
    async handle(message, ctx) {
      const msg = ApproveOnHoldMessage.parse(message.body);
      const result = await sweeper.sweep(sellerScope(msg.tenant_id, msg.seller_id), msg.order_id ?? null);
      ctx.logger.debug({ ...result, seller_id: msg.seller_id }, 'approve-on-hold sweep done');
    },
  };
}
