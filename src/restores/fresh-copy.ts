import { readBackupCatalog } from '../backups/backup-catalog-file.js';
import type { BackupEntity } from '../backups/backup.entity.js';
import type { AttemptSignal } from '../core/process/attempt-signal.js';
import { type BackupCatalog, type ManifestComparison, compareManifests } from '../engines/backup-catalog.js';
import type { DatabaseEngine, RestorePlan } from '../engines/engine.js';
import { BackupIntegrityError } from '../pipeline/backup-file.js';
import type { ReplayOptions, RestorePipeline } from '../pipeline/restore-pipeline.js';
import type { StoredBackupFiles } from '../pipeline/stored-backup-files.js';

/**
 * The steps that make a checked copy of a backup in a fresh database, shared by restores (which then switch it in)
 * and drills (which time it, probe it and drop it): read the catalog, replay the dump, measure against the manifest.
 */

/** A failure no retry can fix. */
export class PermanentRestoreError extends Error {
  readonly transient = false;
}

/** The catalog sidecar, checked like the dump. A backup without one cannot be verified after restore. */
export async function readCheckedCatalog(files: StoredBackupFiles, backup: BackupEntity, signal: AbortSignal): Promise<BackupCatalog> {
  const catalog = await readBackupCatalog(files, backup, signal).catch(rethrowIntegrity);
  if (catalog) return catalog;
  throw new PermanentRestoreError(
    `Backup ${backup.id} has no manifest (it was taken before manifests were recorded), so a restore of it cannot be ` +
      'checked; take a new backup, or download this one and restore it by hand',
  );
}

/**
 * Feeds the stored dump to the restore tool (see RestorePipeline.replay) within the attempt's time limit; returns the
 * tool's version. A file that differs from its record, or a timeout, fails for good.
 */
export async function replayChecked(
  pipeline: RestorePipeline,
  engine: DatabaseEngine,
  plan: RestorePlan,
  backup: BackupEntity,
  attempt: AttemptSignal,
  timeoutMs: number,
  options: ReplayOptions = {},
): Promise<string> {
  try {
    return await pipeline.replay(engine, plan, backup, attempt.signal, options);
  } catch (error) {
    attempt.abort();
    if (attempt.timedOut) throw new PermanentRestoreError(`Restore timed out after ${timeoutMs / 1000} s`);
    return rethrowIntegrity(error as Error);
  }
}

/** Measures the fresh copy the way the backup's manifest counted its source. */
export async function compareWithManifest(engine: DatabaseEngine, plan: RestorePlan): Promise<ManifestComparison> {
  return compareManifests(plan.catalog.manifest, await engine.measure(plan));
}

export function rethrowIntegrity(error: Error): never {
  if (error instanceof BackupIntegrityError) throw new PermanentRestoreError(`Backup file failed verification: ${error.message}`);
  throw error;
}
