import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every backup records what is needed to read its file back (engine, compression, encryption, storage target)
 * from the moment it is requested, so it no longer depends on its registration. Restores name their target
 * physically (resolved host, port, database): two registrations of one database share the one-restore-at-a-time rule.
 */
export class BackupsOwnTheirSettings1764600000000 implements MigrationInterface {
  name = 'BackupsOwnTheirSettings1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE backups ADD COLUMN engine varchar(16)`);
    await queryRunner.query(`UPDATE backups b SET engine = d.engine FROM databases d WHERE d.id = b.database_id`);
    // Rows that never stored a file showed the column defaults; the registration's values are what they were for.
    await queryRunner.query(`
      UPDATE backups b SET compression = d.compression, encrypted = d.encrypted, storage_target_id = d.storage_target_id
      FROM databases d WHERE d.id = b.database_id AND b.storage_key IS NULL`);
    await queryRunner.query(`ALTER TABLE backups ALTER COLUMN engine SET NOT NULL`);

    await queryRunner.query(`ALTER TABLE restores ADD COLUMN target_key text`);
    await queryRunner.query(`
      UPDATE restores r SET target_key = lower(d.host) || ':' || d.port || '/' || d.database
      FROM databases d WHERE d.id = r.target_database_id`);
    await queryRunner.query(`ALTER TABLE restores ALTER COLUMN target_key SET NOT NULL`);
    await queryRunner.query(`DROP INDEX restores_one_at_a_time_idx`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX restores_one_per_target_idx ON restores (target_key) WHERE status IN ('queued', 'running')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX restores_one_per_target_idx`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX restores_one_at_a_time_idx ON restores (target_database_id) WHERE status IN ('queued', 'running')`,
    );
    await queryRunner.query(`ALTER TABLE restores DROP COLUMN target_key`);
    await queryRunner.query(`ALTER TABLE backups DROP COLUMN engine`);
  }
}
