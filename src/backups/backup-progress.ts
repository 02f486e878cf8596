export const BACKUP_PHASES = ['connecting', 'dumping'] as const;
export type BackupPhase = (typeof BACKUP_PHASES)[number];

/** Persists a running backup's phase and bytes written so far. */
export type ProgressWriter = (phase: BackupPhase, bytesWritten: number) => Promise<unknown>;

/**
 * Progress of one running backup, written to its row at most every `intervalMs` by a timer: the data path only
 * stores a number per chunk (`bytes`), never awaits, so the throughput does not depend on it.
 */
export class BackupProgress {
  private phase: BackupPhase = 'connecting';
  private bytesWritten = 0;
  private written = '';
  private writing: Promise<unknown> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly write: ProgressWriter,
    intervalMs = 1_000,
  ) {
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref();
  }

  /** A new phase is written at once. */
  enter(phase: BackupPhase): void {
    this.phase = phase;
    this.flush();
  }

  /** The data path's callback: the running count of bytes stored. */
  readonly bytes = (count: number): void => {
    this.bytesWritten = count;
  };

  /** Stops writing; resolves once the last write has settled. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.writing;
  }

  private flush(): void {
    const state = `${this.phase}:${this.bytesWritten}`;
    if (state === this.written) return;
    this.written = state;
    const { phase, bytesWritten } = this;
    // Writes are chained so they land in order; a failed one is only a missed update.
    this.writing = this.writing.then(() => this.write(phase, bytesWritten)).catch(() => undefined);
  }
}
