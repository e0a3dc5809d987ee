import { gunzipSync } from 'node:zlib';
import type { Message } from '@aws-sdk/client-sqs';
import { AppError } from '../../domain/errors.js';

/** A received SQS message, decoded: the handler sees JSON, never SQS types. */
export interface InboundMessage {
  id: string;
  body: unknown;
  rawBody: string;
  attributes: Readonly<Record<string, string>>;
  requestId: string;
  receiveCount: number;
  receiptHandle: string;
}

/** Decodes a message; a body that cannot be read is a permanent failure (it will never parse). */
export function decodeMessage(message: Message): InboundMessage {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (value.StringValue !== undefined) attributes[name] = value.StringValue;
  }
  const raw = message.Body ?? '';
  let text = raw;
  if (attributes.compression === 'gzip') {
    try {
      text = gunzipSync(Buffer.from(raw, 'base64')).toString('utf8');
    } catch (err) {
      throw new AppError('bad_request', 'message body is not valid gzip+base64', {}, { cause: err });
    }
  } else if (attributes.compression !== undefined) {
    throw new AppError('bad_request', `unsupported compression "${attributes.compression}"`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new AppError('bad_request', 'message body is not valid JSON', {}, { cause: err });
  }
  return {
    id: message.MessageId ?? '',
    body,
    rawBody: text,
    attributes,
    requestId: attributes.request_id ?? message.MessageId ?? '',
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
    receiptHandle: message.ReceiptHandle ?? '',
  };
}
