import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Restore drills: sandboxes (database servers where drills restore, never registered targets) and drills (a
 * database's newest successful backup restored into a scratch database on a sandbox, checked, timed, dropped).
 */
export class RestoreDrills1764730000000 implements MigrationInterface {
  name = 'RestoreDrills1764730000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sandboxes (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name varchar(100) NOT NULL UNIQUE,
        engine varchar(16) NOT NULL,
        host varchar(255) NOT NULL,
        port integer NOT NULL,
        maintenance_database varchar(255) NOT NULL,
        username varchar(255) NOT NULL,
        password_encrypted text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE drills (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        database_id bigint NOT NULL REFERENCES databases (id),
        sandbox_id bigint REFERENCES sandboxes (id) ON DELETE SET NULL,
        backup_id bigint REFERENCES backups (id) ON DELETE SET NULL,
        trigger varchar(16) NOT NULL DEFAULT 'manual',
        status varchar(16) NOT NULL,
        requested_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        error text,
        attempt integer NOT NULL DEFAULT 0,
        scratch_database text,
        scratch_dropped_at timestamptz,
        tool_version text,
        verification jsonb,
        probe jsonb,
        probe_result jsonb,
        restore_time_seconds double precision
      )`);
    await queryRunner.query(`CREATE INDEX drills_database_requested_idx ON drills (database_id, requested_at DESC)`);
    // One unfinished drill per database: a second request while one runs is refused (or skipped by a schedule).
    await queryRunner.query(`CREATE UNIQUE INDEX drills_one_at_a_time_idx ON drills (database_id) WHERE status IN ('queued', 'running')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE drills`);
    await queryRunner.query(`DROP TABLE sandboxes`);
  }
}
