/** The signal a dump or restore runs under: its time limit, the worker's shutdown, and its own abort on failure. */
export class AttemptSignal {
  private readonly timeout: AbortSignal;
  private readonly local = new AbortController();
  readonly signal: AbortSignal;

  constructor(timeoutMs: number, shutdown?: AbortSignal) {
    this.timeout = AbortSignal.timeout(timeoutMs);
    this.signal = AbortSignal.any([this.timeout, this.local.signal, ...(shutdown ? [shutdown] : [])]);
  }

  get timedOut(): boolean {
    return this.timeout.aborted;
  }

  /** Stops the attempt's processes after a failure elsewhere in the pipeline. */
  abort(): void {
    this.local.abort();
  }
}
