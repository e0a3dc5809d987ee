import { createHmac, timingSafeEqual } from 'node:crypto';

/** API.md: X-Signature = hex(HMAC-SHA256(courier secret, raw body)). */
export function signCourierBody(secret: string, rawBody: string): string {
  return createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex');
}

export function verifyCourierSignature(secret: string, rawBody: string, signature: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(signature)) return false;
  const expected = Buffer.from(signCourierBody(secret, rawBody), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}
