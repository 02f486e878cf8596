import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Storage targets, per-database compression and encryption, restores, and backup verification. */
export class DataPath1763910000000 implements MigrationInterface {
  name = 'DataPath1763910000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE storage_targets (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name varchar(100) NOT NULL,
        kind varchar(16) NOT NULL CHECK (kind IN ('s3')),
        bucket varchar(255) NOT NULL,
        region varchar(64) NOT NULL,
        endpoint varchar(2048),
        force_path_style boolean NOT NULL DEFAULT false,
        prefix varchar(512) NOT NULL DEFAULT '',
        access_key_id varchar(255) NOT NULL,
        secret_encrypted text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX storage_targets_name_key ON storage_targets (name) WHERE deleted_at IS NULL`);

    await queryRunner.query(`
      ALTER TABLE databases
        ADD COLUMN compression varchar(8) NOT NULL DEFAULT 'zstd' CHECK (compression IN ('zstd', 'gzip', 'none')),
        ADD COLUMN encrypted boolean NOT NULL DEFAULT false,
        ADD COLUMN storage_target_id bigint REFERENCES storage_targets (id)`);

    await queryRunner.query(`
      ALTER TABLE backups
        ADD COLUMN compression varchar(8) NOT NULL DEFAULT 'none' CHECK (compression IN ('zstd', 'gzip', 'none')),
        ADD COLUMN encrypted boolean NOT NULL DEFAULT false,
        ADD COLUMN storage_target_id bigint REFERENCES storage_targets (id),
        ADD COLUMN verified_at timestamptz,
        ADD COLUMN verification_status varchar(8) CHECK (verification_status IN ('passed', 'failed')),
        ADD COLUMN verification_error text`);

    await queryRunner.query(`
      CREATE TABLE restores (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        backup_id bigint REFERENCES backups (id) ON DELETE SET NULL,
        source_database_id bigint NOT NULL REFERENCES databases (id),
        target_database_id bigint NOT NULL REFERENCES databases (id),
        status varchar(16) NOT NULL CHECK (status IN ('queued', 'running', 'success', 'failed')),
        requested_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        error text,
        attempt integer NOT NULL DEFAULT 0,
        tool_version text
      )`);
    await queryRunner.query(`CREATE INDEX restores_requested_at_idx ON restores (requested_at DESC, id DESC)`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX restores_one_at_a_time_idx ON restores (target_database_id) WHERE status IN ('queued', 'running')`,
    );
    await queryRunner.query(`CREATE INDEX restores_backup_idx ON restores (backup_id) WHERE backup_id IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE restores`);
    await queryRunner.query(`
      ALTER TABLE backups DROP COLUMN compression, DROP COLUMN encrypted, DROP COLUMN storage_target_id,
        DROP COLUMN verified_at, DROP COLUMN verification_status, DROP COLUMN verification_error`);
    await queryRunner.query(`ALTER TABLE databases DROP COLUMN compression, DROP COLUMN encrypted, DROP COLUMN storage_target_id`);
    await queryRunner.query(`DROP TABLE storage_targets`);
  }
}
