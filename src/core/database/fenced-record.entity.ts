import { Column, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The columns every fenced record's table has (backups, restores, drills): its status and `attempt` fencing token
 * (see FencedRecords), when it was requested, started and finished, its error, the tool that ran it and its progress
 * while running. Not an entity: each table's entity extends it (TypeORM's concrete table inheritance), so the
 * columns stay in each table.
 */
export abstract class FencedRecordEntity<Status extends string, Phase extends string> {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: Status;

  @Column({ name: 'requested_at', type: 'timestamptz' })
  requestedAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** Fencing token: incremented by each worker that claims the row; only the current holder may finish it. */
  @Column({ type: 'integer', default: 0 })
  attempt!: number;

  @Column({ name: 'tool_version', type: 'text', nullable: true })
  toolVersion!: string | null;

  /** While running: the phase, written at once on each change; meaningful only while the status is `running`. */
  @Column({ name: 'progress_phase', type: 'varchar', length: 16, nullable: true })
  progressPhase!: Phase | null;

  /** While running: bytes of the stored file written or read so far, updated about once a second (bigint: a string). */
  @Column({ name: 'progress_bytes', type: 'bigint', nullable: true })
  progressBytes!: string | null;
}
