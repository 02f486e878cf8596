import { Injectable, Logger } from '@nestjs/common';
import type { BackupEntity } from '../backups/backup.entity.js';
import { AppConfig } from '../core/config/app-config.js';
import type { AttemptSignal } from '../core/process/attempt-signal.js';
import { writeSecretFile } from '../core/process/secret-file.js';
import {
  type BackupManifest,
  type ManifestComparison,
  compareManifests,
  describeDifferences,
  schemasWithoutTables,
  tablesInSchemas,
} from '../engines/backup-catalog.js';
import { type DatabaseEngine, type RestorePlan, type TableListing, type TableRenaming, type TableRestoring, type TableSelection, restoredName } from '../engines/engine.js';
import { RestorePipeline } from '../pipeline/restore-pipeline.js';
import { StoredBackupFiles } from '../pipeline/stored-backup-files.js';
import { PermanentRestoreError, replayChecked } from './fresh-copy.js';
import type { RestoreProgress } from './restore-progress.js';

export interface TablesOutcome {
  toolVersion: string;
  verification: ManifestComparison;
}

/**
 * A partial restore: the named tables (with their defaults, constraints but foreign keys, indexes, triggers, with
 * `data` their rows; PostgreSQL also their sequences, comments and grants) go into the target database as it is,
 * beside what it holds, each under its own name or the one `rename` gives it; nothing else there is touched and
 * nothing is switched. Refused before writing when the backup does not hold a named table or the target already has
 * one. PostgreSQL restores them in one transaction; MySQL statement by statement (its DDL is not transactional). Afterwards each table's
 * rows are counted against the manifest.
 */
@Injectable()
export class TableRestorer {
  private readonly logger = new Logger(TableRestorer.name);

  constructor(
    private readonly pipeline: RestorePipeline,
    private readonly files: StoredBackupFiles,
    private readonly config: AppConfig,
  ) {}

  async restore(
    engine: DatabaseEngine,
    plan: RestorePlan,
    backup: BackupEntity,
    selection: TableSelection,
    attempt: AttemptSignal,
    progress: RestoreProgress,
  ): Promise<TablesOutcome> {
    const tables = engine.tables;
    if (!tables) throw new PermanentRestoreError(`Restoring named tables is not supported for ${engine.name} backups`);
    this.checkHeldByBackup(plan.catalog.manifest, selection);
    await this.checkAbsentFromTarget(tables, plan, selection);
    let toolVersion: string;
    if (!tables.list) toolVersion = await this.replay(engine, { ...plan, tables: selection }, backup, attempt, progress);
    else if (selection.rename && tables.renaming) {
      toolVersion = await this.replayRenamed(tables.list, tables.renaming, engine, plan, backup, selection, attempt, progress);
    } else toolVersion = await this.replayListed(tables.list, engine, plan, backup, selection, attempt, progress);
    await progress.enter('checking');
    return { toolVersion, verification: await this.verify(tables, plan, selection) };
  }

  /** PostgreSQL: the named tables' archive entries, listed in a 0600 file, restored by the tool. */
  private async replayListed(
    listing: TableListing,
    engine: DatabaseEngine,
    plan: RestorePlan,
    backup: BackupEntity,
    selection: TableSelection,
    attempt: AttemptSignal,
    progress: RestoreProgress,
  ): Promise<string> {
    const list = await this.restoreList(listing, backup, selection, attempt.signal);
    return this.withListFile(list, (listFile) => this.replay(engine, { ...plan, tableList: listFile }, backup, attempt, progress));
  }

  /**
   * PostgreSQL under other names: the list restored into a scratch database (the plan's fresh one, always dropped),
   * renamed there, then copied into the target by the dump tool piped into the restore tool.
   */
  private async replayRenamed(
    listing: TableListing,
    renaming: TableRenaming,
    engine: DatabaseEngine,
    plan: RestorePlan,
    backup: BackupEntity,
    selection: TableSelection,
    attempt: AttemptSignal,
    progress: RestoreProgress,
  ): Promise<string> {
    const scratch = { ...plan.target, database: plan.freshDatabase };
    const list = await this.restoreList(listing, backup, selection, attempt.signal);
    await engine.dropServiceDatabase(plan.target, plan.freshDatabase);
    await engine.createFreshDatabase(plan);
    try {
      await renaming.prepareScratch(scratch, selection);
      const toolVersion = await this.withListFile(list, (listFile) =>
        this.replay(engine, { ...plan, target: scratch, tableList: listFile }, backup, attempt, progress),
      );
      await renaming.renameInScratch(scratch, plan.target, selection);
      const { dump, restore } = await renaming.transfer(scratch, plan.target, selection, plan.options.ownership);
      await this.pipeline.transfer(dump, restore, attempt.signal);
      return toolVersion;
    } finally {
      await engine
        .dropServiceDatabase(plan.target, plan.freshDatabase)
        .catch((error: Error) => this.logger.warn(`Could not drop ${plan.freshDatabase}: ${error.message}`));
    }
  }

  private async withListFile<T>(list: string, work: (path: string) => Promise<T>): Promise<T> {
    const listFile = await writeSecretFile('pg-restore-list', list);
    try {
      return await work(listFile.path);
    } finally {
      await listFile.remove();
    }
  }

  private async replay(engine: DatabaseEngine, plan: RestorePlan, backup: BackupEntity, attempt: AttemptSignal, progress: RestoreProgress): Promise<string> {
    if (!(await progress.enter('restoring'))) throw new PermanentRestoreError('This attempt lost its claim on the restore');
    return replayChecked(this.pipeline, engine, plan, backup, attempt, this.config.backupTimeoutMs, {
      progress: progress.bytes,
      toolMayStopEarly: true,
    });
  }

  private checkHeldByBackup(manifest: BackupManifest, selection: TableSelection): void {
    const unknown = selection.names.filter((name) => !(name in manifest.tables));
    if (unknown.length > 0) throw new PermanentRestoreError(`The backup holds no table named ${unknown.join(', ')}`);
    const unknownSchemas = schemasWithoutTables(manifest, selection.schemas ?? []);
    if (unknownSchemas.length > 0) throw new PermanentRestoreError(`The backup holds no schema named ${unknownSchemas.join(', ')}`);
  }

  private async checkAbsentFromTarget(tables: TableRestoring, plan: RestorePlan, selection: TableSelection): Promise<void> {
    if (selection.schemas?.length) {
      if (!tables.existingSchemas) throw new PermanentRestoreError('Restoring whole schemas is not supported for this engine');
      const existingSchemas = await tables.existingSchemas(plan.target, selection.schemas);
      if (existingSchemas.length > 0) {
        throw new PermanentRestoreError(
          `Database "${plan.target.database}" already has schema ${existingSchemas.join(', ')}: drop or rename it, or restore into another database`,
        );
      }
    }
    const existing = await tables.existing(plan.target, selection.names.map((name) => restoredName(selection, name)));
    if (existing.length > 0) {
      throw new PermanentRestoreError(
        `Database "${plan.target.database}" already has ${existing.join(', ')}: drop or rename it, or restore into another database`,
      );
    }
  }

  /** The archive read by the engine's readers (without a database), then filtered to the named tables' entries. */
  private async restoreList(listing: TableListing, backup: BackupEntity, selection: TableSelection, signal: AbortSignal): Promise<string> {
    const outputs: string[] = [];
    for (const reader of await listing.readers()) outputs.push(await this.files.readWithTool(reader, backup, signal));
    const list = listing.restoreList(outputs, selection);
    if (!list) throw new PermanentRestoreError(`The backup's archive has no entry for ${[...selection.names, ...(selection.schemas ?? [])].join(', ')}`);
    return list;
  }

  /** Each restored table's rows (the named ones and those of the schemas) against the manifest, under the backup's names (none expected without data). */
  private async verify(tables: TableRestoring, plan: RestorePlan, selection: TableSelection): Promise<ManifestComparison> {
    const manifest = plan.catalog.manifest;
    const counting = { ...selection, names: [...new Set([...selection.names, ...tablesInSchemas(manifest, selection.schemas ?? [])])] };
    const counted = await tables.countRows(plan.target, counting.names.map((name) => restoredName(counting, name)));
    const actual = countsUnderBackupNames(counted, counting);
    const expected = Object.fromEntries(Object.keys(actual).map((name) => [name, selection.data ? (manifest.tables[name] ?? 0) : 0]));
    const verification = compareManifests(
      { tables: expected, objects: {}, sequences: {}, consistency: manifest.consistency },
      { tables: actual, objects: {}, sequences: {}, consistency: manifest.consistency },
    );
    if (verification.status === 'failed') {
      throw new PermanentRestoreError(`The restored tables do not match the backup's manifest: ${describeDifferences(verification.differences)}`);
    }
    return verification;
  }
}

/** Counts keyed by restored names ("orders_yesterday", "orders_yesterday (history)") keyed back by the backup's. */
export function countsUnderBackupNames(counted: Record<string, number>, selection: TableSelection): Record<string, number> {
  const result: Record<string, number> = {};
  for (const name of selection.names) {
    const restored = restoredName(selection, name);
    for (const [key, rows] of Object.entries(counted)) {
      if (key === restored || key.startsWith(`${restored} (`)) result[name + key.slice(restored.length)] = rows;
    }
  }
  return result;
}
