import { AppError, type FieldError } from '../domain/errors.js';
import { sellerScope, type SellerScope, type TenantScope } from '../domain/tenant-scope.js';
import type { HubService } from '../hub/hub.service.js';
import type { Logger } from '../platform/logger.js';
import type { AdjustOutcome, StockRepository } from './stock.repository.js';
import type { StockService } from './stock.service.js';
import type { StockTransfer, StockTransferRepository, TransferState } from './stock-transfer.repository.js';
import type { StockRow } from './stock.types.js';

export interface TransferInput {
  from_hub_code: string;
  to_hub_code: string;
  sku: string;
  quantity: number;
}

export interface TransferResult {
  transfer: StockTransfer;
  from: StockRow;
  to: StockRow;
}

/** How many pending transfers of a tenant one recovery pass completes; the rest wait for the next. */
const RECOVERY_BATCH = 100;

/**
 * Moves on-hand units between hubs without losing them to a crash. The transfer is recorded
 * (pending) before its two legs run, each leg is applied at most once by its key on the stock
 * row, and the record is settled after: a process that dies between the legs leaves a pending
 * record, which a retried request or the recovery pass completes.
 *
 * Whether the out-leg happened decides everything: if it did, the in-leg must follow; if it did
 * not and the source is short, the transfer fails. A failing transfer voids its out-leg key on
 * the source row first, so the out-leg can never apply afterwards (a late retry, a second
 * recovering process) and every process reaches the same verdict.
 */
export class StockTransferService {
  constructor(
    private readonly transfers: StockTransferRepository,
    private readonly rows: StockRepository,
    private readonly stock: StockService,
    private readonly hubs: HubService,
    private readonly logger: Logger,
  ) {}

  /** POST /stock-transfers: the same id answers the same transfer, moving units once. */
  async transfer(scope: SellerScope, input: TransferInput, transferId: string): Promise<TransferResult> {
    const source = await this.validate(scope, input);
    const existing = await this.transfers.find(scope, transferId);
    // A transfer the source cannot cover is refused before anything is written; a retried one is answered from its record.
    if (!existing && source.available < input.quantity) throw insufficient(input, transferId, source.available);
    const recorded = existing ?? (await this.transfers.insertOrFind(scope, { id: transferId, ...input }));
    if (!sameRequest(recorded, input)) {
      throw new AppError('idempotency_key_reused', 'this Idempotency-Key was used for a different transfer', { transfer_id: transferId });
    }
    const state = recorded.state === 'pending' ? await this.complete(scope, recorded) : recorded.state;
    const [from, to] = await Promise.all([this.rows.find(scope, input.from_hub_code, input.sku), this.rows.find(scope, input.to_hub_code, input.sku)]);
    if (state === 'failed') throw insufficient(recorded, transferId, from?.available ?? 0);
    return { transfer: { ...recorded, state }, from: from as StockRow, to: to as StockRow };
  }

  async get(scope: TenantScope, transferId: string): Promise<StockTransfer> {
    const transfer = await this.transfers.find(scope, transferId);
    if (!transfer) throw AppError.notFound('stock_transfer', transferId);
    return transfer;
  }

  /** The recovery pass of one tenant: settles transfers pending for longer than `graceMs`. */
  async recoverPending(scope: TenantScope, graceMs: number): Promise<number> {
    const stale = await this.transfers.pendingSince(scope, new Date(Date.now() - graceMs), RECOVERY_BATCH);
    for (const transfer of stale) {
      const state = await this.complete(sellerScope(transfer.tenant_id, transfer.seller_id), transfer);
      this.logger.info({ tenant_id: transfer.tenant_id, transfer_id: transfer.id, state }, 'stock transfer recovered');
    }
    return stale.length;
  }

  /** Runs the legs that have not run yet and settles the record; safe to repeat and to race. */
  private async complete(scope: SellerScope, t: StockTransfer): Promise<Exclude<TransferState, 'pending'>> {
    const out = await this.stock.adjustOnce(scope, t.from_hub_code, t.sku, -t.quantity, legKey(t, 'out'));
    const verdict = (await this.outLegApplied(scope, t, out)) ? 'done' : 'failed';
    if (verdict === 'done') await this.stock.adjustOnce(scope, t.to_hub_code, t.sku, t.quantity, legKey(t, 'in'));
    await this.transfers.settle(scope, t.id, verdict);
    return verdict;
  }

  /** True when the out-leg is applied (now or earlier); false when it is void (never to apply). */
  private async outLegApplied(scope: SellerScope, t: StockTransfer, out: AdjustOutcome): Promise<boolean> {
    if (out.kind === 'applied') return true;
    if (out.kind !== 'duplicate' && (await this.rows.voidKey(scope, t.from_hub_code, t.sku, legKey(t, 'out'), legKey(t, 'void')))) return false;
    const row = await this.rows.find(scope, t.from_hub_code, t.sku);
    return !!row && row.applied.includes(legKey(t, 'out')) && !row.applied.includes(legKey(t, 'void'));
  }

  /** Field errors for unknown hubs and a SKU the source does not stock; else the source row. */
  private async validate(scope: SellerScope, input: TransferInput): Promise<StockRow> {
    const errors: FieldError[] = [];
    if (input.from_hub_code === input.to_hub_code) errors.push({ field: 'to_hub_code', message: 'must differ from from_hub_code' });
    if (!(await this.hubs.find(scope, input.from_hub_code))) errors.push({ field: 'from_hub_code', message: `unknown hub ${input.from_hub_code}` });
    if (!(await this.hubs.find(scope, input.to_hub_code))) errors.push({ field: 'to_hub_code', message: `unknown hub ${input.to_hub_code}` });
    const source = errors.length === 0 ? await this.rows.find(scope, input.from_hub_code, input.sku) : null;
    if (errors.length === 0 && !source) errors.push({ field: 'sku', message: `no stock of ${input.sku} at ${input.from_hub_code}` });
    if (errors.length > 0 || !source) throw AppError.validation(errors);
    return source;
  }
}

/** The keys on the stock rows' `applied` lists; unchanged from before transfers were recorded. */
function legKey(t: StockTransfer, leg: 'out' | 'in' | 'void'): string {
  return `xfer:${t.id}:${leg}`;
}

function sameRequest(t: StockTransfer, input: TransferInput): boolean {
  return t.from_hub_code === input.from_hub_code && t.to_hub_code === input.to_hub_code && t.sku === input.sku && t.quantity === input.quantity;
}

function insufficient(t: TransferInput, transferId: string, available: number): AppError {
  return new AppError('insufficient_stock', `only ${available} of ${t.sku} available at ${t.from_hub_code}`, {
    hub_code: t.from_hub_code,
    sku: t.sku,
    available,
    requested: t.quantity,
    transfer_id: transferId,
  });
}

export function toTransferView(t: StockTransfer): Record<string, unknown> {
  return {
    transfer_id: t.id,
    from_hub_code: t.from_hub_code,
    to_hub_code: t.to_hub_code,
    sku: t.sku,
    quantity: t.quantity,
    state: t.state,
    created_at: t.created_at.toISOString(),
    updated_at: t.updated_at.toISOString(),
  };
}
