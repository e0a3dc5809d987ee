import type { FulfillmentService } from '../../fulfillment/fulfillment.service.js';
import { shipmentHandler } from '../handlers/shipment.handler.js';
import type { ListenerRegistration } from '../runtime/server.js';

/** The shipment listener: oms-shipment-queue, sized by config workers.shipment. */
export function shipmentListener(fulfillment: FulfillmentService): ListenerRegistration {
  return { queue: 'shipment', handler: shipmentHandler(fulfillment) };
}
