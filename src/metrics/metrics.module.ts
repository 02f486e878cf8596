import { Module } from '@nestjs/common';
import { BackupCommandsModule } from '../backups/backup-commands.module.js';
import { DrillRecordsModule } from '../drills/drill-records.module.js';
import { RestoreRecordsModule } from '../restores/restore-records.module.js';
import { SchedulesModule } from '../schedules/schedules.module.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { QueueModule } from '../core/queue/queue.module.js';

/** API side: GET /metrics. */
@Module({
  imports: [QueueModule, BackupCommandsModule, RestoreRecordsModule, SchedulesModule, DrillRecordsModule],
  controllers: [MetricsController],
  providers: [MetricsService],
})
export class MetricsModule {}
