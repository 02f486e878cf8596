import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A running drill shows its phase and the bytes of its stored file read so far, as a running restore does. A drill
 * schedule may name the probe and the sandbox each of its drills uses.
 */
export class DrillProgressAndScheduledProbes1764770000000 implements MigrationInterface {
  name = 'DrillProgressAndScheduledProbes1764770000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE drills ADD COLUMN progress_phase varchar(16), ADD COLUMN progress_bytes bigint`);
    await queryRunner.query(`ALTER TABLE schedules ADD COLUMN drill_probe jsonb, ADD COLUMN drill_sandbox_id bigint`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE schedules DROP COLUMN drill_sandbox_id, DROP COLUMN drill_probe`);
    await queryRunner.query(`ALTER TABLE drills DROP COLUMN progress_bytes, DROP COLUMN progress_phase`);
  }
}
