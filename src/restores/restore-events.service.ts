import { Injectable } from '@nestjs/common';
import { DatabasesService } from '../databases/databases.service.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { RestoreResponseDto } from './dto/restore-response.dto.js';
import { RestoresRepository } from './restores.repository.js';

/** Announces a restore that reached its terminal status, as an event of the database it restored into. */
@Injectable()
export class RestoreEvents {
  constructor(
    private readonly restores: RestoresRepository,
    private readonly databases: DatabasesService,
    private readonly notifications: NotificationsService,
  ) {}

  async finished(restoreId: string): Promise<void> {
    const restore = await this.restores.findByIdOrFail(restoreId);
    const registration = await this.databases.getIncludingDeleted(restore.targetDatabaseId);
    const database = { id: registration.id, name: registration.name };
    const shown = RestoreResponseDto.from(restore);
    if (restore.status === 'success') await this.notifications.publish('restore.succeeded', { database, restore: shown });
    if (restore.status === 'failed') await this.notifications.publish('restore.failed', { database, restore: shown, error: restore.error });
  }
}
