import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/core/database/data-source-options.js';
import { prepareDatabase } from '../src/core/database/prepare-database.js';
import { ENTITIES } from '../src/entities.js';
import { dropDatabase } from './support/postgres.js';
import { PG_HOST, PG_PORT, PG_USER } from './support/test-env.js';

/**
 * The entities against the schema the migrations build. The entities leave indexes, foreign keys and some defaults
 * to the migrations (which are plain SQL), so TypeORM's schema builder proposes to drop those; it must propose
 * nothing else: no column added, dropped, retyped or made (not) nullable, whatever an entity inherits.
 */
const DEFAULTS_LEFT_TO_THE_MIGRATIONS = [
  'ALTER TABLE "backups" ALTER COLUMN "anomalies" SET DEFAULT \'[]\'::jsonb',
  'ALTER TABLE "backups" ALTER COLUMN "requested_at" DROP DEFAULT',
  'ALTER TABLE "backups" ALTER COLUMN "trigger" DROP DEFAULT',
  'ALTER TABLE "backups" ALTER COLUMN "warnings" SET DEFAULT \'[]\'::jsonb',
  'ALTER TABLE "drills" ALTER COLUMN "requested_at" DROP DEFAULT',
  'ALTER TABLE "restores" ALTER COLUMN "options" SET DEFAULT \'{}\'::jsonb',
  'ALTER TABLE "restores" ALTER COLUMN "requested_at" DROP DEFAULT',
];

/** Pending queries about indexes and constraints only, which the entities do not declare. */
const INDEX_OR_CONSTRAINT = /^(DROP INDEX "public"\."\w+"|ALTER TABLE "\w+" (DROP CONSTRAINT "\w+"|ADD CONSTRAINT "\w+" FOREIGN KEY .*))$/;

describe('Entities and migrations describe the same columns', () => {
  const database = `dbbackup_test_schema_${randomBytes(4).toString('hex')}`;
  const url = `postgres://${PG_USER}@${PG_HOST}:${PG_PORT}/${database}`;
  let pending: string[] = [];

  beforeAll(async () => {
    await prepareDatabase(url);
    const dataSource = new DataSource(dataSourceOptions(url, ENTITIES));
    await dataSource.initialize();
    try {
      pending = (await dataSource.driver.createSchemaBuilder().log()).upQueries.map((query) => query.query);
    } finally {
      await dataSource.destroy();
    }
  });

  afterAll(async () => {
    await dropDatabase(database);
  });

  it('leaves TypeORM no column to change on a freshly migrated database, only the known defaults', () => {
    const columnChanges = pending.filter((query) => !INDEX_OR_CONSTRAINT.test(query)).sort();
    expect(columnChanges).toEqual(DEFAULTS_LEFT_TO_THE_MIGRATIONS);
  });
});
