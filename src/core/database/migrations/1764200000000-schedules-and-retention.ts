import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-database cron schedules, the tick a scheduled backup was made for, and retention policies. */
export class SchedulesAndRetention1764200000000 implements MigrationInterface {
  name = 'SchedulesAndRetention1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE schedules (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        database_id bigint NOT NULL REFERENCES databases (id),
        cron varchar(120) NOT NULL,
        timezone varchar(64) NOT NULL DEFAULT 'UTC',
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        missed_since timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX schedules_database_idx ON schedules (database_id)`);
    await queryRunner.query(`
      ALTER TABLE backups
        ADD COLUMN schedule_id bigint REFERENCES schedules (id) ON DELETE SET NULL,
        ADD COLUMN scheduled_for timestamptz`);
    // A retried tick job finds its backup already made instead of making a second one.
    await queryRunner.query(
      `CREATE UNIQUE INDEX backups_one_per_tick_idx ON backups (schedule_id, scheduled_for) WHERE schedule_id IS NOT NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE retention_policies (
        database_id bigint PRIMARY KEY REFERENCES databases (id),
        keep_last integer CHECK (keep_last >= 1),
        keep_days integer CHECK (keep_days >= 1),
        keep_daily integer CHECK (keep_daily >= 1),
        keep_weekly integer CHECK (keep_weekly >= 1),
        keep_monthly integer CHECK (keep_monthly >= 1),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE retention_policies`);
    await queryRunner.query(`DROP INDEX backups_one_per_tick_idx`);
    await queryRunner.query(`ALTER TABLE backups DROP COLUMN schedule_id, DROP COLUMN scheduled_for`);
    await queryRunner.query(`DROP TABLE schedules`);
  }
}
