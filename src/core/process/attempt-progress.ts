/** The error a record ends with when its caller cancels it (it ends `failed`: the statuses stay the spec's four). */
export const CANCELLED_BY_REQUEST = 'Cancelled by request';

/** Persists a running attempt's phase and bytes read; resolves false once the row is no longer this attempt's. */
export type ProgressWriter<Phase extends string> = (phase: Phase, bytesRead: number) => Promise<boolean>;

/**
 * Progress of one running attempt (a restore, a drill), written to its row every `intervalMs` by a timer (the data
 * path only stores a number, as for backups). Every write is fenced, so it is also how the attempt learns that its
 * row was cancelled (POST …/cancel) or taken over: `lost` aborts at the first write the row refuses.
 */
export class AttemptProgress<Phase extends string> {
  private bytesRead = 0;
  private writing: Promise<boolean> = Promise.resolve(true);
  private inFlight = false;
  private readonly lostClaim = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private phase: Phase,
    private readonly write: ProgressWriter<Phase>,
    intervalMs = 1_000,
  ) {
    this.timer = setInterval(() => {
      if (!this.inFlight) void this.flush();
    }, intervalMs);
    this.timer.unref();
  }

  /** Aborted once a write finds the row no longer running under this attempt. */
  get lost(): AbortSignal {
    return this.lostClaim.signal;
  }

  /** A new phase is written at once; resolves whether the attempt still owns the row, rejects if the write failed. */
  enter(phase: Phase): Promise<boolean> {
    this.phase = phase;
    return this.flush();
  }

  /** The data path's callback: the running count of stored bytes read. */
  readonly bytes = (count: number): void => {
    this.bytesRead = count;
  };

  /** Stops writing; resolves once the last write has settled. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.writing;
  }

  /** The write's own outcome is the caller's (a phase change); the chain only keeps writes in order. */
  private flush(): Promise<boolean> {
    const { phase, bytesRead } = this;
    this.inFlight = true;
    const written = this.writing.then(() => this.write(phase, bytesRead));
    written.then(
      (owned) => owned || this.lostClaim.abort(new Error('The record was cancelled, or another attempt owns it')),
      () => undefined,
    );
    // A failed timer write (metadata database busy) is only a missed update.
    this.writing = written
      .catch(() => true)
      .finally(() => {
        this.inFlight = false;
      });
    return written;
  }
}
