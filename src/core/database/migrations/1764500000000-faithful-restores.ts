import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Faithful restores: each backup records a catalog sidecar file (manifest, database properties, accounts) and the
 * lossy columns it found; each restore records its options, the manifest comparison of the restored copy, and the
 * database it set aside when it switched the copy in.
 */
export class FaithfulRestores1764500000000 implements MigrationInterface {
  name = 'FaithfulRestores1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE backups
        ADD COLUMN catalog_key text,
        ADD COLUMN catalog_size_bytes bigint,
        ADD COLUMN catalog_checksum char(64),
        ADD COLUMN manifest jsonb,
        ADD COLUMN warnings jsonb NOT NULL DEFAULT '[]'::jsonb`);
    await queryRunner.query(`
      ALTER TABLE restores
        ADD COLUMN options jsonb NOT NULL DEFAULT '{}'::jsonb,
        ADD COLUMN verification jsonb,
        ADD COLUMN aside_database text,
        ADD COLUMN aside_expires_at timestamptz,
        ADD COLUMN aside_dropped_at timestamptz`);
    await queryRunner.query(
      `CREATE INDEX restores_aside_expiry_idx ON restores (aside_expires_at) WHERE aside_database IS NOT NULL AND aside_dropped_at IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX restores_aside_expiry_idx`);
    await queryRunner.query(`
      ALTER TABLE restores
        DROP COLUMN options, DROP COLUMN verification, DROP COLUMN aside_database,
        DROP COLUMN aside_expires_at, DROP COLUMN aside_dropped_at`);
    await queryRunner.query(`
      ALTER TABLE backups
        DROP COLUMN catalog_key, DROP COLUMN catalog_size_bytes, DROP COLUMN catalog_checksum,
        DROP COLUMN manifest, DROP COLUMN warnings`);
  }
}
