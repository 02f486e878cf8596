import type { MigrationInterface, QueryRunner } from 'typeorm';

/** At most one unfinished (queued or running) backup per database, enforced by PostgreSQL across every API replica. */
export class OneBackupAtATime1763920000000 implements MigrationInterface {
  name = 'OneBackupAtATime1763920000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE UNIQUE INDEX backups_one_at_a_time_idx ON backups (database_id) WHERE status IN ('queued', 'running')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX backups_one_at_a_time_idx`);
  }
}
