import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Size and duration anomalies recorded on each successful backup. The partial index keeps the metrics scrape's
 * read of them to the (few) anomalous rows.
 */
export class BackupAnomalies1764700000000 implements MigrationInterface {
  name = 'BackupAnomalies1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE backups ADD COLUMN anomalies jsonb NOT NULL DEFAULT '[]'::jsonb`);
    await queryRunner.query(`CREATE INDEX backups_anomalous_idx ON backups (database_id) WHERE anomalies <> '[]'::jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX backups_anomalous_idx`);
    await queryRunner.query(`ALTER TABLE backups DROP COLUMN anomalies`);
  }
}
