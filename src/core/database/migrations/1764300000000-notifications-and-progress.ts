import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Webhooks and their delivery log, and the progress of running backups. */
export class NotificationsAndProgress1764300000000 implements MigrationInterface {
  name = 'NotificationsAndProgress1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE webhooks (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        url varchar(2048) NOT NULL,
        database_id bigint REFERENCES databases (id) ON DELETE CASCADE,
        events text[] NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        secret_encrypted text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX webhooks_database_idx ON webhooks (database_id) WHERE enabled`);

    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        webhook_id bigint NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        event varchar(32) NOT NULL,
        payload text NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_response_status integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_attempt_at timestamptz,
        finished_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id DESC)`);

    await queryRunner.query(`
      ALTER TABLE backups
        ADD COLUMN progress_phase varchar(16),
        ADD COLUMN progress_bytes bigint`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE backups DROP COLUMN progress_phase, DROP COLUMN progress_bytes`);
    await queryRunner.query(`DROP TABLE webhook_deliveries`);
    await queryRunner.query(`DROP TABLE webhooks`);
  }
}
