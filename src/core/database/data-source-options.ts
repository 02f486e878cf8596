import type { DataSourceOptions } from 'typeorm';
import { InitialSchema1763900000000 } from './migrations/1763900000000-initial-schema.js';
import { DataPath1763910000000 } from './migrations/1763910000000-data-path.js';
import { OneBackupAtATime1763920000000 } from './migrations/1763920000000-one-backup-at-a-time.js';
import { ApiKeys1764000000000 } from './migrations/1764000000000-api-keys.js';
import { SchedulesAndRetention1764200000000 } from './migrations/1764200000000-schedules-and-retention.js';
import { NotificationsAndProgress1764300000000 } from './migrations/1764300000000-notifications-and-progress.js';
import { ListingIndexes1764400000000 } from './migrations/1764400000000-listing-indexes.js';
import { FaithfulRestores1764500000000 } from './migrations/1764500000000-faithful-restores.js';
import { BackupsOwnTheirSettings1764600000000 } from './migrations/1764600000000-backups-own-their-settings.js';
import { BackupAnomalies1764700000000 } from './migrations/1764700000000-backup-anomalies.js';
import { RestoreProgress1764710000000 } from './migrations/1764710000000-restore-progress.js';
import { RestoreDrills1764730000000 } from './migrations/1764730000000-restore-drills.js';
import { DrillSchedules1764740000000 } from './migrations/1764740000000-drill-schedules.js';
import { PartialRestores1764750000000 } from './migrations/1764750000000-partial-restores.js';
import { DrillProgressAndScheduledProbes1764770000000 } from './migrations/1764770000000-drill-progress-and-scheduled-probes.js';

/** Listed explicitly (not globbed) so the same list works from src/ under jest and from dist/ at run time. */
export const MIGRATIONS = [
  InitialSchema1763900000000,
  DataPath1763910000000,
  OneBackupAtATime1763920000000,
  ApiKeys1764000000000,
  SchedulesAndRetention1764200000000,
  NotificationsAndProgress1764300000000,
  ListingIndexes1764400000000,
  FaithfulRestores1764500000000,
  BackupsOwnTheirSettings1764600000000,
  BackupAnomalies1764700000000,
  RestoreProgress1764710000000,
  RestoreDrills1764730000000,
  DrillSchedules1764740000000,
  PartialRestores1764750000000,
  DrillProgressAndScheduledProbes1764770000000,
];

/** TypeORM entity classes; each process's top module assembles the list from the rooms it loads. */
export type EntityList = NonNullable<DataSourceOptions['entities']>;

/**
 * One options object for the Nest module, the migration command and tests. Never synchronize. Migrations are
 * plain SQL: the migration command needs no entities.
 */
export function dataSourceOptions(url: string, entities: EntityList = []): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'all',
    migrationsRun: false,
    synchronize: false,
    // A request may wait 15 s for one of the 10 connections: a burst of thousands of POSTs queues here.
    extra: { max: 10, application_name: 'db-backup-service', connectionTimeoutMillis: 15_000 },
  };
}
