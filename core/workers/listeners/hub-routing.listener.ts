import type { HubRoutingService } from '../../hub_routing/hub-routing.service.js';
import { hubRoutingHandler } from '../handlers/hub-routing.handler.js';
import type { ListenerRegistration } from '../runtime/server.js';

/** The hub routing listener: oms-hub-routing-queue, sized by config workers.hub_routing. */
export function hubRoutingListener(routing: HubRoutingService): ListenerRegistration {
  return { queue: 'hubRouting', handler: hubRoutingHandler(routing) };
}
