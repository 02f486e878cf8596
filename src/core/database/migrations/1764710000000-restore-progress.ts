import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A running restore shows its phase and the bytes of its stored file read so far, as a running backup does. */
export class RestoreProgress1764710000000 implements MigrationInterface {
  name = 'RestoreProgress1764710000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE restores ADD COLUMN progress_phase varchar(16), ADD COLUMN progress_bytes bigint`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE restores DROP COLUMN progress_phase, DROP COLUMN progress_bytes`);
  }
}
