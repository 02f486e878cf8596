import { Injectable } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { PeriodicSweeper } from '../core/process/periodic-sweeper.js';
import { DatabasesService } from '../databases/databases.service.js';
import { EngineRegistry } from '../engines/engine-registry.js';
import { type ExpiredAside, RestoresRepository } from './restores.repository.js';

/**
 * Drops the databases restores set aside once they expire (RESTORE_ASIDE_KEEP_SECONDS, or at once after
 * DELETE /restores/:id/aside). Each one is claimed with a conditional update first, so of several workers exactly
 * one drops it; a failed drop gives the claim back for the next sweep.
 */
@Injectable()
export class AsideDatabaseSweeper extends PeriodicSweeper {
  constructor(
    private readonly restores: RestoresRepository,
    private readonly databases: DatabasesService,
    private readonly engines: EngineRegistry,
    config: AppConfig,
  ) {
    super(config, 'aside databases');
  }

  /** Returns the names of the databases dropped. */
  async sweep(): Promise<string[]> {
    const dropped: string[] = [];
    for (const aside of await this.restores.claimExpiredAsides()) {
      try {
        await this.drop(aside);
        dropped.push(aside.aside_database);
        this.logger.log(`Dropped ${aside.aside_database}, set aside by restore ${aside.id}`);
      } catch (error) {
        this.logger.warn(`Could not drop ${aside.aside_database} (restore ${aside.id}): ${(error as Error).message}`);
        await this.restores.releaseAside(aside.id);
      }
    }
    return dropped;
  }

  private async drop(aside: ExpiredAside): Promise<void> {
    const registration = await this.databases.getIncludingDeleted(String(aside.target_database_id));
    const target = await this.databases.connectionTarget(registration);
    await this.engines.get(registration.engine).dropServiceDatabase(target, aside.aside_database);
  }
}
