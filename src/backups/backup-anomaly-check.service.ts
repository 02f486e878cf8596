import { Injectable, Logger } from '@nestjs/common';
import { ANOMALY_HISTORY_SIZE, type BackupAnomaly, judgeBackup } from './backup-anomalies.js';
import { BackupsRepository } from './backups.repository.js';

/** Judges a backup about to be recorded as successful against its database's recent successful backups. */
@Injectable()
export class BackupAnomalyCheck {
  private readonly logger = new Logger(BackupAnomalyCheck.name);

  constructor(private readonly backups: BackupsRepository) {}

  /** Best effort: a check that cannot run must not fail the backup, so it finds nothing and says why in the log. */
  async anomaliesOf(backupId: string, sizeBytes: number): Promise<BackupAnomaly[]> {
    try {
      const [history, durationSeconds] = await Promise.all([
        this.backups.successHistoryBefore(backupId, ANOMALY_HISTORY_SIZE),
        this.backups.secondsSinceStart(backupId),
      ]);
      return judgeBackup({ sizeBytes, durationSeconds: durationSeconds ?? 0 }, history);
    } catch (error) {
      this.logger.warn(`Backup ${backupId}: anomaly check skipped: ${(error as Error).message}`);
      return [];
    }
  }
}
