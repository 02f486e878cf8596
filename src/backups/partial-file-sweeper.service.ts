import { Injectable } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { PeriodicSweeper } from '../core/process/periodic-sweeper.js';
import { StorageRegistry } from '../storage/storage-registry.js';
import { BackupsRepository } from './backups.repository.js';

/** backup-<id>-a<attempt>.<ext> in a storage key names the attempt that writes it. */
const ATTEMPT_IN_KEY = /-backup-(\d+)-a(\d+)\./;

/**
 * Removes the temporary files that killed workers left in the local directory (a SIGKILL gives no chance to clean
 * up). A `.partial` file is an orphan once its backup is no longer running under the attempt that wrote it;
 * files of attempts still running, on this worker or another, are left alone. Runs at start-up and with the
 * reconciler's period.
 */
@Injectable()
export class PartialFileSweeper extends PeriodicSweeper {
  constructor(
    private readonly backups: BackupsRepository,
    private readonly storage: StorageRegistry,
    config: AppConfig,
  ) {
    super(config, 'partial files');
  }

  /** Returns the removed files (relative paths). */
  async sweep(): Promise<string[]> {
    const removed: string[] = [];
    try {
      for (const partial of await this.storage.local.listPartials()) {
        const match = ATTEMPT_IN_KEY.exec(partial.key);
        if (!match || (await this.backups.isAttemptRunning(match[1]!, Number(match[2])))) continue;
        await this.storage.local.removePartial(partial.path);
        removed.push(partial.path);
      }
    } finally {
      // Those removed before a failure too.
      if (removed.length) this.logger.warn(`Removed partial files left by stopped workers: ${removed.join(', ')}`);
    }
    return removed;
  }
}
