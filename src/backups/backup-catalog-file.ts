import type { BackupCatalog } from '../engines/backup-catalog.js';
import type { StoredBackupFiles } from '../pipeline/stored-backup-files.js';
import type { BackupEntity } from './backup.entity.js';

/**
 * Reads a backup's catalog sidecar back, checked like the dump (size, sha256, decryption); null for a backup taken
 * before catalogs were recorded.
 */
export async function readBackupCatalog(files: StoredBackupFiles, backup: BackupEntity, signal: AbortSignal): Promise<BackupCatalog | null> {
  if (!backup.catalogKey) return null;
  const content = await files.readDocument(
    {
      storageTargetId: backup.storageTargetId,
      storageKey: backup.catalogKey,
      sizeBytes: backup.catalogSizeBytes,
      checksum: backup.catalogChecksum,
      encrypted: backup.encrypted,
    },
    signal,
  );
  return JSON.parse(content.toString('utf8')) as BackupCatalog;
}
