import { Injectable } from '@nestjs/common';
import type { BackupEntity } from '../backups/backup.entity.js';
import { AppConfig } from '../core/config/app-config.js';
import type { AttemptSignal } from '../core/process/attempt-signal.js';
import { writeSecretFile } from '../core/process/secret-file.js';
import { type BackupManifest, type ManifestComparison, compareManifests, describeDifferences } from '../engines/backup-catalog.js';
import type { DatabaseEngine, RestorePlan, TableRestoring, TableSelection } from '../engines/engine.js';
import { RestorePipeline } from '../pipeline/restore-pipeline.js';
import { StoredBackupFiles } from '../pipeline/stored-backup-files.js';
import { PermanentRestoreError, replayChecked } from './fresh-copy.js';
import type { RestoreProgress } from './restore-progress.js';

export interface TablesOutcome {
  toolVersion: string;
  verification: ManifestComparison;
}

/**
 * A partial restore: the named tables (with their sequences, defaults, constraints, indexes, triggers, comments,
 * grants and, with `data`, rows) go into the target database as it is, in one transaction, beside what it holds;
 * nothing else there is touched and nothing is switched. Refused before writing when the backup does not hold a
 * named table or the target already has one. Afterwards each table's rows are counted against the manifest.
 */
@Injectable()
export class TableRestorer {
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
    this.checkHeldByBackup(plan.catalog.manifest, selection.names);
    await this.checkAbsentFromTarget(tables, plan, selection.names);
    const list = await this.restoreList(tables, backup, selection, attempt.signal);
    const listFile = await writeSecretFile('pg-restore-list', list);
    let toolVersion: string;
    try {
      if (!(await progress.enter('restoring'))) throw new PermanentRestoreError('This attempt lost its claim on the restore');
      toolVersion = await replayChecked(this.pipeline, engine, { ...plan, tableList: listFile.path }, backup, attempt, this.config.backupTimeoutMs, {
        progress: progress.bytes,
        toolMayStopEarly: true,
      });
    } finally {
      await listFile.remove();
    }
    await progress.enter('checking');
    return { toolVersion, verification: await this.verify(tables, plan, selection) };
  }

  private checkHeldByBackup(manifest: BackupManifest, names: string[]): void {
    const unknown = names.filter((name) => !(name in manifest.tables));
    if (unknown.length > 0) throw new PermanentRestoreError(`The backup holds no table named ${unknown.join(', ')}`);
  }

  private async checkAbsentFromTarget(tables: TableRestoring, plan: RestorePlan, names: string[]): Promise<void> {
    const existing = await tables.existing(plan.target, names);
    if (existing.length > 0) {
      throw new PermanentRestoreError(
        `Database "${plan.target.database}" already has ${existing.join(', ')}: drop or rename it, or restore into another database`,
      );
    }
  }

  /** The archive read by the engine's readers (without a database), then filtered to the named tables' entries. */
  private async restoreList(tables: TableRestoring, backup: BackupEntity, selection: TableSelection, signal: AbortSignal): Promise<string> {
    const outputs: string[] = [];
    for (const reader of await tables.readers()) outputs.push(await this.files.readWithTool(reader, backup, signal));
    const list = tables.restoreList(outputs, selection);
    if (!list) throw new PermanentRestoreError(`The backup's archive has no entry for ${selection.names.join(', ')}`);
    return list;
  }

  /** Each restored table's rows against the manifest (none expected without data). */
  private async verify(tables: TableRestoring, plan: RestorePlan, selection: TableSelection): Promise<ManifestComparison> {
    const manifest = plan.catalog.manifest;
    const expected = Object.fromEntries(selection.names.map((name) => [name, selection.data ? (manifest.tables[name] ?? 0) : 0]));
    const actual = await tables.countRows(plan.target, selection.names);
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
