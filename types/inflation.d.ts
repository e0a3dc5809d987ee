declare module 'inflation' {
  import type { Readable } from 'node:stream';
  /** Undoes the request's Content-Encoding (gzip, deflate, br); throws with status 415 for others. */
  export default function inflate(stream: Readable, options?: { encoding?: string }): Readable;
}
