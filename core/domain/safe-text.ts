import type { FieldError } from './errors.js';

/**
 * Characters every store and queue of the OMS can carry: the XML 1.0 set SQS accepts
 * (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF). Anything else (NUL, which PostgreSQL
 * under FerretDB refuses; U+FFFE/U+FFFF and lone surrogates, which SQS refuses) would be
 * accepted, stored and then fail later, far from the request: an order whose outgoing event can
 * never be sent. It is refused at the edge instead.
 */
const UNSAFE = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export const UNSAFE_TEXT_MESSAGE = 'contains a character that is not allowed (NUL, control characters, U+FFFE/U+FFFF or unpaired surrogates)';

export function isSafeText(value: string): boolean {
  return !UNSAFE.test(value);
}

/**
 * Every string (and object key) in `value` that is not safe text, named by its path. Walks the
 * raw input, so a field a schema would strip or not know is checked too.
 */
export function unsafeTextFields(value: unknown, prefix = '', limit = 20): FieldError[] {
  const found: FieldError[] = [];
  const walk = (node: unknown, path: string[]): void => {
    if (found.length >= limit) return;
    if (typeof node === 'string') {
      if (!isSafeText(node)) found.push({ field: [prefix, ...path].filter(Boolean).join('.') || '(body)', message: UNSAFE_TEXT_MESSAGE });
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((child, i) => walk(child, [...path, String(i)]));
      return;
    }
    if (node && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        if (!isSafeText(key)) {
          found.push({ field: [prefix, ...path].filter(Boolean).join('.') || '(body)', message: `a key ${UNSAFE_TEXT_MESSAGE}` });
          continue;
        }
        walk(child, [...path, key]);
      }
    }
  };
  walk(value, []);
  return found;
}

/** The deepest nesting of arrays and objects in a JSON text, counted without parsing it. */
export function jsonDepthExceeds(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
