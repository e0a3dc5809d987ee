import { randomBytes } from 'node:crypto';

/** Prefixed, URL-safe random ids: `ord_3kT9...`. The prefix tells what an id names in logs. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}
