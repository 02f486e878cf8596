import { Injectable } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { PeriodicSweeper } from '../core/process/periodic-sweeper.js';
import { EngineRegistry } from '../engines/engine-registry.js';
import { drillOfScratchName, SCRATCH_DATABASE_PREFIX } from './drill-names.js';
import { DrillsRepository } from './drills.repository.js';
import type { SandboxEntity } from './sandbox.entity.js';
import { SandboxesRepository } from './sandboxes.repository.js';
import { SandboxesService } from './sandboxes.service.js';

/**
 * Drops the scratch databases drills left behind: a drill drops its own whatever happens, but a worker killed mid-drill
 * cannot. Every RECONCILE_INTERVAL_SECONDS it lists the dbbackup_drill_ databases of every sandbox and reconciles
 * them by name with the drills table: a scratch database is dropped when its drill is finished or has moved on to a
 * later attempt (its worker died). A name whose drill this installation does not have (id and request time both
 * match) is another installation's and is left alone. Dropping is idempotent, so several workers may sweep at once.
 */
@Injectable()
export class ScratchDatabaseSweeper extends PeriodicSweeper {
  constructor(
    private readonly drills: DrillsRepository,
    private readonly sandboxRows: SandboxesRepository,
    private readonly sandboxes: SandboxesService,
    private readonly engines: EngineRegistry,
    config: AppConfig,
  ) {
    super(config, 'scratch databases');
  }

  /** Returns the names of the databases dropped. */
  async sweep(): Promise<string[]> {
    const dropped: string[] = [];
    for (const sandbox of await this.sandboxRows.list()) {
      try {
        dropped.push(...(await this.sweepSandbox(sandbox)));
      } catch (error) {
        this.logger.warn(`Could not sweep sandbox ${sandbox.id} (${sandbox.name}): ${(error as Error).message}`);
      }
    }
    return dropped;
  }

  private async sweepSandbox(sandbox: SandboxEntity): Promise<string[]> {
    const engine = this.engines.get(sandbox.engine);
    const target = this.sandboxes.connectionTarget(sandbox);
    const names = await engine.listServiceDatabases(target, SCRATCH_DATABASE_PREFIX);
    const leftovers = await this.leftovers(names);
    for (const { name, drillId } of leftovers) {
      await engine.dropServiceDatabase(target, name);
      await this.drills.markScratchDropped(drillId, name);
      this.logger.log(`Dropped ${name}, left by drill ${drillId}`);
    }
    return leftovers.map(({ name }) => name);
  }

  /** The scratch databases whose drill is finished or on a later attempt. */
  private async leftovers(names: string[]): Promise<Array<{ name: string; drillId: string }>> {
    const parsed = names.flatMap((name) => {
      const drill = drillOfScratchName(name);
      return drill ? [{ name, ...drill }] : [];
    });
    const rows = await this.drills.statusesOf([...new Set(parsed.map((entry) => entry.id))]);
    return parsed
      .filter(({ id, requestedAt, attempt }) => {
        const row = rows.get(id);
        if (!row || row.requestedAt.getTime() !== requestedAt.getTime()) return false;
        const finished = row.status === 'success' || row.status === 'failed';
        return finished || attempt < row.attempt || (row.status === 'queued' && attempt <= row.attempt);
      })
      .map(({ name, id }) => ({ name, drillId: id }));
  }
}
