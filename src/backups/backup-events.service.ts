import { Injectable } from '@nestjs/common';
import { DatabasesService } from '../databases/databases.service.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { BackupsRepository } from './backups.repository.js';
import { BackupDetailsDto } from './dto/backup-response.dto.js';

/** Announces a backup that reached its terminal status: `backup.succeeded` (then `backup.anomaly` if it has any) or `backup.failed`. */
@Injectable()
export class BackupEvents {
  constructor(
    private readonly backups: BackupsRepository,
    private readonly databases: DatabasesService,
    private readonly notifications: NotificationsService,
  ) {}

  async finished(backupId: string): Promise<void> {
    const backup = await this.backups.findByIdOrFail(backupId);
    const registration = await this.databases.getIncludingDeleted(backup.databaseId);
    const database = { id: registration.id, name: registration.name };
    const shown = BackupDetailsDto.from(backup, registration.name);
    if (backup.status === 'success') await this.notifications.publish('backup.succeeded', { database, backup: shown });
    if (backup.status === 'success' && backup.anomalies?.length) {
      await this.notifications.publish('backup.anomaly', { database, backup: shown, anomalies: backup.anomalies });
    }
    if (backup.status === 'failed') await this.notifications.publish('backup.failed', { database, backup: shown, error: backup.error });
  }
}
