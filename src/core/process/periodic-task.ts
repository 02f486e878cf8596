import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

/** Work a process repeats in the background from start-up to shutdown. `tick` must not throw. */
export abstract class PeriodicTask implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  protected abstract intervalMs(): number;
  protected abstract tick(): Promise<unknown>;

  /** Whether the first run is at start-up rather than one interval later. */
  protected readonly runAtStart: boolean = true;

  onApplicationBootstrap(): void {
    if (this.runAtStart) void this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs());
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
