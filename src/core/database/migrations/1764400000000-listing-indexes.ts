import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GET /backups pages newest first by (requested_at, id) with a keyset condition. Each supported filter has an
 * index that starts with its equality columns and ends with the sort key, so a page (first or deep) is one short
 * index range scan. (requested_at DESC, id DESC) and (database_id, requested_at DESC, id DESC) exist already;
 * since/until are ranges on requested_at and use the same indexes.
 */
export class ListingIndexes1764400000000 implements MigrationInterface {
  name = 'ListingIndexes1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX backups_status_idx ON backups (status, requested_at DESC, id DESC)`);
    await queryRunner.query(
      `CREATE INDEX backups_database_status_idx ON backups (database_id, status, requested_at DESC, id DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX backups_database_status_idx`);
    await queryRunner.query(`DROP INDEX backups_status_idx`);
  }
}
