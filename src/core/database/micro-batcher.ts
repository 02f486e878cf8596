/** One item's outcome: its value, or the error only that item gets. */
export type BatchOutcome<O> = { value: O } | { error: Error };

/**
 * Groups the calls made while a batch is being prepared into one `flush`: the items added during the same turn of
 * the event loop (and while the previous flush is running) go out together, up to `maxSize`. Under no load a
 * batch holds one item and costs one extra setImmediate; under load it turns N round trips into one.
 * Each caller gets its own outcome; a flush that throws fails every item of its batch.
 */
export class MicroBatcher<I, O> {
  private pending: Array<{ item: I; resolve: (value: O) => void; reject: (error: Error) => void }> = [];
  private scheduled = false;
  private running = 0;

  constructor(
    private readonly flush: (items: I[]) => Promise<Array<BatchOutcome<O>>>,
    private readonly maxSize = 100,
    private readonly maxConcurrentFlushes = 4,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.pending.length === 0 || this.running >= this.maxConcurrentFlushes) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flushNext();
    });
  }

  private async flushNext(): Promise<void> {
    const batch = this.pending.splice(0, this.maxSize);
    if (batch.length === 0) return;
    this.running += 1;
    this.schedule();
    try {
      const outcomes = await this.flush(batch.map((entry) => entry.item));
      batch.forEach((entry, index) => {
        const outcome = outcomes[index];
        if (!outcome) entry.reject(new Error('Batch returned no outcome for an item'));
        else if ('error' in outcome) entry.reject(outcome.error);
        else entry.resolve(outcome.value);
      });
    } catch (error) {
      for (const entry of batch) entry.reject(error as Error);
    } finally {
      this.running -= 1;
      this.schedule();
    }
  }
}
