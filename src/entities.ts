import { ApiKeyEntity } from './auth/api-key.entity.js';
import { BackupEntity } from './backups/backup.entity.js';
import { DatabaseEntity } from './databases/database.entity.js';
import { DrillEntity } from './drills/drill.entity.js';
import { SandboxEntity } from './drills/sandbox.entity.js';
import { WebhookDeliveryEntity } from './notifications/webhook-delivery.entity.js';
import { WebhookEntity } from './notifications/webhook.entity.js';
import { RestoreEntity } from './restores/restore.entity.js';
import { RetentionPolicyEntity } from './retention/retention-policy.entity.js';
import { ScheduleEntity } from './schedules/schedule.entity.js';
import { StorageTargetEntity } from './storage/storage-target.entity.js';

/** Every table's entity, assembled here at the top for the API and the worker (DatabaseModule.forRoot). */
export const ENTITIES = [
  DatabaseEntity,
  BackupEntity,
  RestoreEntity,
  StorageTargetEntity,
  ScheduleEntity,
  RetentionPolicyEntity,
  WebhookEntity,
  WebhookDeliveryEntity,
  ApiKeyEntity,
  SandboxEntity,
  DrillEntity,
];
