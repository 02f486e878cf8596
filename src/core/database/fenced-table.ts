import type { ObjectLiteral, Repository } from 'typeorm';
import { type Claim, FINISHED_CHANNEL, type FencedTable, type FencedValues } from './fenced-records.js';

/** The fenced claim and write on a TypeORM repository's table (a `status`, `attempt`, `started_at`, `finished_at` row). */
export function fencedTable<E extends ObjectLiteral>(repository: Repository<E>): FencedTable<E> {
  return {
    async claim(id: string) {
      const result = await repository
        .createQueryBuilder()
        .update()
        .set({ status: 'running', attempt: () => 'attempt + 1', startedAt: () => 'now()', finishedAt: null } as never)
        .where('id = :id AND status IN (:...statuses)', { id, statuses: ['queued', 'running'] })
        .returning('*')
        .execute();
      return (result.raw as Array<Record<string, unknown>>)[0] ?? null;
    },

    async writeOwned(claim: Claim, values: FencedValues<E>) {
      const result = await repository
        .createQueryBuilder()
        .update()
        .set(values)
        .where('id = :id AND attempt = :attempt AND status = :running', { id: claim.id, attempt: claim.attempt, running: 'running' })
        .execute();
      return result.affected === 1;
    },

    async announceFinished(key: string) {
      await repository.query('SELECT pg_notify($1, $2)', [FINISHED_CHANNEL, key]);
    },
  };
}
