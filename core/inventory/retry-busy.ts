/**
 * FerretDB's SQLite backend answers a write that met another one with SQLITE_BUSY, having
 * applied nothing. Every write here is conditional and idempotent, so trying again is safe and
 * cheaper than failing the message back to the queue.
 */
export async function retryBusy<T>(op: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await op();
    } catch (err) {
      if (i >= attempts || !/SQLITE_BUSY|database is locked/.test((err as Error).message ?? '')) throw err;
      await new Promise((r) => setTimeout(r, 20 * i + Math.random() * 30));
    }
  }
}
