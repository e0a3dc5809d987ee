/** A counter of free handler slots that a receive loop can wait on. */
export class Slots {
  private used = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly size: number) {}

  /** Resolves with the number of free slots once at least one is free. */
  async waitForFree(): Promise<number> {
    while (this.used >= this.size) await new Promise<void>((r) => this.waiters.push(r));
    return this.size - this.used;
  }

  take(): void {
    this.used += 1;
  }

  give(): void {
    this.used -= 1;
    this.waiters.shift()?.();
  }
}
