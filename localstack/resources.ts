import type { ListenerName } from '../configs/config.js';

/**
 * The AWS resources of the OMS, defined once: the embedded launcher, the LocalStack init script
 * (localstack/init/ready.d), the worker runtime and the tests all read this list.
 */
export interface QueueDefinition {
  /** Base name; the configured prefix is prepended at run time. */
  name: string;
  /** The listener that consumes it, or null for an outbound queue with no listener here. */
  listener: ListenerName | null;
  /** Long handlers extend this while they run. */
  visibilityTimeoutS: number;
  fifo: boolean;
}

export const QUEUES = {
  createOrder: { name: 'oms-create-order-queue', listener: 'create_order', visibilityTimeoutS: 30, fifo: false },
  hubRouting: { name: 'oms-hub-routing-queue', listener: 'hub_routing', visibilityTimeoutS: 30, fifo: false },
  approveOnHold: { name: 'oms-approve-on-hold-queue', listener: 'approve_on_hold', visibilityTimeoutS: 60, fifo: false },
  shipment: { name: 'oms-shipment-queue', listener: 'shipment', visibilityTimeoutS: 30, fifo: false },
  inventory: { name: 'oms-inventory-queue', listener: 'inventory', visibilityTimeoutS: 30, fifo: false },
  orderUpdates: { name: 'oms-order-updates-queue', listener: 'order_updates', visibilityTimeoutS: 30, fifo: false },
  bulkAction: { name: 'oms-bulk-action-queue', listener: 'bulk_action', visibilityTimeoutS: 120, fifo: false },
} as const satisfies Record<string, QueueDefinition>;

export type QueueKey = keyof typeof QUEUES;

export function dlqName(queueName: string): string {
  return queueName.endsWith('.fifo') ? `${queueName.slice(0, -5)}-dlq.fifo` : `${queueName}-dlq`;
}

export interface TableDefinition {
  name: string;
  hashKey: string;
}

/** DynamoDB: the idempotency ledger and the per-tenant sequences (order, invoice, return numbers). */
export const TABLES = {
  idempotency: { name: 'oms-idempotency', hashKey: 'pk' },
  sequences: { name: 'oms-sequences', hashKey: 'pk' },
} as const satisfies Record<string, TableDefinition>;

export type TableKey = keyof typeof TABLES;
