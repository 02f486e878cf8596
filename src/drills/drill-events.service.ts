import { Injectable } from '@nestjs/common';
import { DatabasesService } from '../databases/databases.service.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { DrillResponseDto } from './dto/drill-response.dto.js';
import { DrillsRepository } from './drills.repository.js';

/** Announces a drill that reached its terminal status, as an event of the database it drilled. */
@Injectable()
export class DrillEvents {
  constructor(
    private readonly drills: DrillsRepository,
    private readonly databases: DatabasesService,
    private readonly notifications: NotificationsService,
  ) {}

  async finished(drillId: string): Promise<void> {
    const drill = await this.drills.findById(drillId);
    if (!drill) return;
    const registration = await this.databases.getIncludingDeleted(drill.databaseId);
    const database = { id: registration.id, name: registration.name };
    const shown = DrillResponseDto.from(drill);
    if (drill.status === 'success') await this.notifications.publish('drill.succeeded', { database, drill: shown });
    if (drill.status === 'failed') await this.notifications.publish('drill.failed', { database, drill: shown, error: drill.error });
  }
}
