import type { ApproveOnHoldService } from '../../hub_routing/approve-on-hold.service.js';
import { approveOnHoldHandler } from '../handlers/approve-on-hold.handler.js';
import type { ListenerRegistration } from '../runtime/server.js';

/** The approve-on-hold listener: oms-approve-on-hold-queue, sized by config workers.approve_on_hold. */
export function approveOnHoldListener(sweeper: ApproveOnHoldService): ListenerRegistration {
  return { queue: 'approveOnHold', handler: approveOnHoldHandler(sweeper) };
}
