import { z } from 'zod';
import { EVENT_SCHEMA_VERSION, OutboundEventSchema, eventDefinitions } from '../../core/domain/events.js';

/**
 * The event stream as one AsyncAPI 3 document (GET /asyncapi.json), generated from the zod
 * schemas of core/domain/events.ts: the envelope, each event's `data`, and the SNS message
 * attributes subscribers filter on. An event registered there (registerEventDefinition) appears
 * here without further work. Rendered once, on first request, when every module has registered.
 */
export function asyncApiDocument(topicName: string): Record<string, unknown> {
  const messages: Record<string, unknown> = {};
  const channelMessages: Record<string, unknown> = {};
  const envelope = OutboundEventSchema.omit({ event: true, data: true });
  for (const [name, def] of [...eventDefinitions()].sort(([a], [b]) => a.localeCompare(b))) {
    const key = messageKey(name);
    const payload = envelope.extend({ event: z.literal(name), data: def.data });
    messages[key] = {
      name,
      title: name,
      summary: def.summary,
      contentType: 'application/json',
      tags: [{ name: def.group }],
      headers: jsonSchema(MessageAttributes),
      payload: jsonSchema(payload),
      bindings: { sns: {}, sqs: {} },
    };
    channelMessages[key] = { $ref: `#/components/messages/${key}` };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'OMS events',
      version: `${EVENT_SCHEMA_VERSION}.0.0`,
      description: [
        `Every event the OMS emits is published once to the SNS topic \`${topicName}\`, at least once: consumers dedupe by \`event_id\`.`,
        'Events of an order carry `sequence` (1, 2, 3… in the order they were written, no gaps): order by it, and a gap means an event is still on its way (or was parked: see the internal API `GET /internal/api/v1/tenants/{tenant_id}/parked-events`).',
        'Subscribe an SQS queue of your own to the topic, with raw message delivery to receive the envelope as the body, and a filter policy on the message attributes `event_type`, `tenant_id`, `seller_id`, `schema_version`.',
        'A body above 200 KiB is gzip-compressed and base64-encoded, with the message attribute `compression: gzip`.',
      ].join('\n\n'),
    },
    defaultContentType: 'application/json',
    servers: {
      aws: { host: 'sns.{region}.amazonaws.com', protocol: 'sns', description: 'AWS SNS', variables: { region: { default: 'us-east-1' } } },
    },
    channels: {
      events: { address: topicName, title: 'oms-events', description: 'The OMS event stream (SNS topic)', messages: channelMessages },
    },
    operations: {
      publishEvents: {
        action: 'send',
        title: 'The OMS publishes its events',
        channel: { $ref: '#/channels/events' },
        messages: Object.keys(channelMessages).map((key) => ({ $ref: `#/channels/events/messages/${key}` })),
      },
    },
    components: { messages },
  };
}

/** The SNS message attributes (with raw delivery, the SQS message attributes of a subscriber). */
const MessageAttributes = z.object({
  event_type: z.string().meta({ description: 'The event name (as `event` in the body)' }),
  tenant_id: z.string(),
  seller_id: z.string().optional().meta({ description: 'Absent only for an event with no seller' }),
  schema_version: z.string().meta({ description: 'The envelope version' }),
  request_id: z.string().optional(),
  compression: z.literal('gzip').optional().meta({ description: 'Set when the body is gzip + base64' }),
});

/** AsyncAPI component keys allow letters, digits, `.`, `-` and `_`: event names fit as they are. */
function messageKey(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', unrepresentable: 'any', io: 'output' }) as Record<string, unknown>;
  return rest;
}
