import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A restore may name the tables it restores (`{ "names": [...], "data": true }`); null restores the whole database. */
export class PartialRestores1764750000000 implements MigrationInterface {
  name = 'PartialRestores1764750000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE restores ADD COLUMN tables jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE restores DROP COLUMN tables`);
  }
}
