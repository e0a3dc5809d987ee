import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { SellerRoutes } from '../../router/app.js';
import { AppError } from '../domain/errors.js';
import type { StockService } from './stock.service.js';
import { toTransferView, type StockTransferService } from './stock-transfer.service.js';
import { toStockView } from './stock.types.js';
import { SetStockBody, StockQuery, TransferBody, TransferParams } from './inventory.schemas.js';
import { dataOf } from '../../router/openapi/schemas.js';
import { StockRowView, StockTransferResultView, StockTransferView } from './stock.responses.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,200}$/;

/** Stock routes on the public and internal seller groups (API.md "Stock"). */
export function registerInventoryRoutes(groups: { seller: SellerRoutes }, stock: StockService, transfers: StockTransferService): void {
  groups.seller.add(
    {
      method: 'get',
      path: '/inventory',
      operationId: 'listStock',
      summary: 'Stock per hub and SKU: on_hand, reserved, available',
      tag: 'inventory',
      query: StockQuery,
      response: dataOf(z.array(StockRowView)),
    },
    async ({ query, caller }) => ({ body: { data: (await stock.list(caller.scope!, query)).map(toStockView) } }),
  );

  groups.seller.add(
    {
      method: 'put',
      path: '/inventory',
      operationId: 'setStock',
      response: dataOf(StockRowView),
      example: { hub_code: 'RUH-1', sku: 'SKU-1', quantity: 120 },
      summary: 'Set on_hand of a SKU at a hub (never below what is reserved)',
      tag: 'inventory',
      body: SetStockBody,
      errors: { 409: 'conflict: quantity is below the units reserved for orders (details.reserved)' },
    },
    async ({ body, caller }) => ({ body: { data: toStockView(await stock.setOnHand(caller.scope!, body)) } }),
  );

  groups.seller.add(
    {
      method: 'post',
      path: '/stock-transfers',
      operationId: 'createStockTransfer',
      response: dataOf(StockTransferResultView),
      example: { from_hub_code: 'RUH-1', to_hub_code: 'JED-1', sku: 'SKU-1', quantity: 10 },
      headers: z.object({ 'idempotency-key': z.string().regex(IDEMPOTENCY_KEY).optional().meta({ description: 'A retry with the same key is the same transfer' }) }),
      summary: 'Move available units between hubs (Idempotency-Key header makes a retry safe)',
      tag: 'inventory',
      status: 201,
      body: TransferBody,
      errors: { 409: 'insufficient_stock at the source hub', 422: 'idempotency_key_reused: the key named a different transfer' },
    },
    async ({ body, caller, ctx }) => {
      const key = ctx.get('idempotency-key');
      if (key && !IDEMPOTENCY_KEY.test(key)) throw AppError.validation([{ field: 'header.idempotency-key', message: 'letters, digits and _ . : - only' }]);
      const transferId = key ? `key:${key}` : randomUUID();
      const { transfer, from, to } = await transfers.transfer(caller.scope!, body, transferId);
      return { body: { data: { ...toTransferView(transfer), from: toStockView(from), to: toStockView(to) } } };
    },
  );

  groups.seller.add(
    {
      method: 'get',
      path: '/stock-transfers/:transfer_id',
      operationId: 'getStockTransfer',
      summary: 'A stock transfer and its state (pending, done, failed)',
      tag: 'inventory',
      params: TransferParams,
      response: dataOf(StockTransferView),
    },
    async ({ params, caller }) => ({ body: { data: toTransferView(await transfers.get(caller.scope!, params.transfer_id)) } }),
  );
}
