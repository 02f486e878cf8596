import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE databases (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name varchar(100) NOT NULL,
        engine varchar(16) NOT NULL CHECK (engine IN ('postgres', 'mysql', 'mariadb')),
        host varchar(255) NOT NULL,
        port integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
        database varchar(255) NOT NULL,
        username varchar(255) NOT NULL,
        password_encrypted text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX databases_name_key ON databases (name) WHERE deleted_at IS NULL`);
    await queryRunner.query(`
      CREATE TABLE backups (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        database_id bigint NOT NULL REFERENCES databases (id),
        status varchar(16) NOT NULL CHECK (status IN ('queued', 'running', 'success', 'failed')),
        trigger varchar(16) NOT NULL DEFAULT 'manual' CHECK (trigger IN ('manual', 'schedule')),
        requested_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        storage_key text,
        file_location text,
        size_bytes bigint,
        checksum char(64),
        error text,
        attempt integer NOT NULL DEFAULT 0,
        server_version text,
        tool_version text,
        CONSTRAINT backups_success_has_file CHECK (
          status <> 'success' OR (storage_key IS NOT NULL AND size_bytes IS NOT NULL AND checksum IS NOT NULL)
        )
      )`);
    await queryRunner.query(`CREATE INDEX backups_requested_at_idx ON backups (requested_at DESC, id DESC)`);
    await queryRunner.query(`CREATE INDEX backups_database_idx ON backups (database_id, requested_at DESC, id DESC)`);
    await queryRunner.query(
      `CREATE INDEX backups_unfinished_idx ON backups (status, database_id) WHERE status IN ('queued', 'running')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE backups`);
    await queryRunner.query(`DROP TABLE databases`);
  }
}
