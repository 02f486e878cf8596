import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drill schedules: a schedule row of kind "drill" ticks a restore drill instead of a backup. A drill made by a tick
 * records its schedule and tick time under a unique index, so a tick delivered twice makes one drill.
 */
export class DrillSchedules1764740000000 implements MigrationInterface {
  name = 'DrillSchedules1764740000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE schedules ADD COLUMN kind varchar(16) NOT NULL DEFAULT 'backup'`);
    await queryRunner.query(`ALTER TABLE drills ADD COLUMN schedule_id bigint, ADD COLUMN scheduled_for timestamptz`);
    await queryRunner.query(`CREATE UNIQUE INDEX drills_one_per_tick_idx ON drills (schedule_id, scheduled_for) WHERE scheduled_for IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX drills_one_per_tick_idx`);
    await queryRunner.query(`ALTER TABLE drills DROP COLUMN scheduled_for, DROP COLUMN schedule_id`);
    await queryRunner.query(`ALTER TABLE schedules DROP COLUMN kind`);
  }
}
