import type { z } from 'zod';
import { AppError } from '../domain/errors.js';
import type { HandlerInput } from '../workers/runtime/handler-group.js';

type ChannelEventHandler = { schema: z.ZodType; handle: (input: HandlerInput<unknown>) => Promise<void> };

/**
 * Events other modules accept on oms-create-order-queue (the sales channel's door) beside the
 * order's own create, update and cancel: e.g. `payment_update` (core/payment). A module registers
 * while it is built; the create-order handler parses such a message with the module's schema (a
 * ZodError dead-letters it with its fields) and hands it over.
 */
export class ChannelEvents {
  private readonly handlers = new Map<string, ChannelEventHandler>();

  on<S extends z.ZodType>(event: string, schema: S, handle: (input: HandlerInput<z.output<S>>) => Promise<void>): void {
    if (this.handlers.has(event)) throw new Error(`channel event ${event} registered twice`);
    this.handlers.set(event, { schema, handle: handle as (input: HandlerInput<unknown>) => Promise<void> });
  }

  async dispatch(event: string, input: Omit<HandlerInput<unknown>, 'msg'>): Promise<void> {
    const handler = this.handlers.get(event);
    if (!handler) throw AppError.validation([{ field: 'event', message: `unknown event ${event}` }]);
    await handler.handle({ ...input, msg: handler.schema.parse(input.message.body) });
  }
}
