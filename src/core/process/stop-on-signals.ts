/** How long closing may take once the grace period is over: aborted tools get SIGKILL after 5 s, then jobs are handed back. */
export const SHUTDOWN_CLOSE_ALLOWANCE_MS = 10_000;

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface StopOnSignalsOptions {
  /** Runs the shutdown hooks (Nest's app.close). */
  close: () => Promise<void>;
  /** Past this after the first signal, the process exits whatever close() is waiting for (Redis down, frozen). */
  deadlineMs: number;
  /** Describes the jobs whose outcome was not recorded in the queue, for the log line of a forced exit. */
  unsettled: () => string[];
  log: { error(message: string): void };
  exit?: (code: number) => void;
}

/**
 * Stops the process on SIGTERM or SIGINT: runs `close`, then re-raises the signal so the process ends by it, as
 * Nest's own shutdown hooks do. Unlike them, the stop always ends: after `deadlineMs`, or on a second signal, the
 * process exits with code 1, logging the jobs it could not hand back. Those are still active in Redis; once their
 * lock expires another worker takes them again (at least once), so nothing is lost, only delayed.
 * Returns the removal of its listeners.
 */
export function stopOnSignals(options: StopOnSignalsOptions): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;

  const forceExit = (reason: string) => {
    const left = options.unsettled();
    const jobs = left.length
      ? `jobs not handed back (another worker takes them once their locks expire): ${left.join(', ')}`
      : 'no job was left unsettled';
    options.log.error(`${reason}; exiting now, ${jobs}`);
    exit(1);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return forceExit(`${signal} received again while stopping`);
    stopping = true;
    const deadline = setTimeout(
      () => forceExit(`Shutdown not finished ${options.deadlineMs / 1000} s after ${signal} (Redis or PostgreSQL unreachable?)`),
      options.deadlineMs,
    );
    deadline.unref();
    options.close().then(
      () => {
        clearTimeout(deadline);
        for (const name of SIGNALS) process.removeListener(name, onSignal);
        process.kill(process.pid, signal);
      },
      (error: Error) => {
        clearTimeout(deadline);
        forceExit(`Shutdown failed: ${error.message}`);
      },
    );
  };
  for (const name of SIGNALS) process.on(name, onSignal);
  return () => {
    for (const name of SIGNALS) process.removeListener(name, onSignal);
  };
}
