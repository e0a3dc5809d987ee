import { z } from 'zod';
import type { SellerRoutes } from '../../router/app.js';
import type { ReturnService } from './return.service.js';
import { toReturnView, type ReturnStatus } from './return.types.js';
import { dataOf } from '../../router/openapi/schemas.js';
import { ReturnView } from './return.responses.js';

const ReturnBody = z
  .object({
    items: z
      .array(
        z
          .object({
            seller_sku_code: z.string().trim().min(1).max(100),
            quantity: z.number().int().positive().max(100000),
            reason: z.string().trim().min(1).max(500),
          })
          .strict(),
      )
      .min(1)
      .max(200),
  })
  .strict();
const MoveBody = z.object({ note: z.string().trim().max(500).optional() }).strict();
const RefundBody = z
  .object({
    note: z.string().trim().max(500).optional(),
    amount: z.number().positive().max(100_000_000).optional().meta({ description: "Refunded to the customer: applied to the order's payment (never more than was paid, counting earlier refunds)" }),
  })
  .strict();
const ReturnParams = z.object({ seller_id: z.string(), return_id: z.string().min(1).max(100) });

const MOVES: { path: string; operationId: string; to: ReturnStatus; summary: string }[] = [
  { path: 'receive', operationId: 'receiveReturn', to: 'received', summary: 'The returned units arrived at the hub: restocked there' },
  { path: 'refund', operationId: 'refundReturn', to: 'refunded', summary: 'The customer was refunded' },
  { path: 'close', operationId: 'closeReturn', to: 'closed', summary: 'Close the return (without refund, or withdrawn before receipt)' },
];

export function registerReturnRoutes(seller: SellerRoutes, returns: ReturnService): void {
  seller.add(
    {
      method: 'post',
      path: '/orders/:order_id/returns',
      operationId: 'createReturn',
      response: dataOf(ReturnView),
      summary: 'Request a return of delivered units (never more than delivered, counting earlier returns)',
      tag: 'returns',
      status: 201,
      params: z.object({ seller_id: z.string(), order_id: z.string().min(1) }),
      body: ReturnBody,
      errors: { 409: 'the order is not delivered' },
    },
    async ({ params, body, caller }) => ({ body: { data: toReturnView(await returns.request(caller.scope!, params.order_id, body.items)) } }),
  );
  seller.add(
    { method: 'get', path: '/returns/:return_id', operationId: 'getReturn', summary: 'A return', tag: 'returns', params: ReturnParams, response: dataOf(ReturnView) },
    async ({ params, caller }) => ({ body: { data: toReturnView(await returns.get(caller.scope!, params.return_id)) } }),
  );
  for (const move of MOVES) {
    seller.add(
      {
        method: 'post',
        path: `/returns/:return_id/${move.path}`,
        operationId: move.operationId,
        summary: move.summary,
        tag: 'returns',
        params: ReturnParams,
        body: move.to === 'refunded' ? RefundBody : MoveBody,
        response: dataOf(ReturnView),
        errors: { 409: move.to === 'refunded' ? 'not allowed from the current status, or refund_exceeds_paid' : 'not allowed from the current status' },
      },
      async ({ params, body, caller }) => {
        const amount = 'amount' in body && typeof body.amount === 'number' ? body.amount : null;
        return { body: { data: toReturnView(await returns.move(caller.scope!, params.return_id, move.to, body.note ?? null, amount)) } };
      },
    );
  }
}
