/** The admin queries of a restore, run on the maintenance database: roles, sessions, databases. */
import type pg from 'pg';

export async function existingRoles(client: pg.Client): Promise<Set<string>> {
  const { rows } = await client.query<{ name: string }>('SELECT rolname AS name FROM pg_roles');
  return new Set(rows.map(({ name }) => name));
}

export interface RestoringUser {
  name: string;
  superuser: boolean;
  createDb: boolean;
  createRole: boolean;
}

export async function restoringUser(client: pg.Client): Promise<RestoringUser> {
  const { rows } = await client.query<RestoringUser>(
    `SELECT rolname AS name, rolsuper AS superuser, rolcreatedb AS "createDb",
       rolcreaterole AS "createRole" FROM pg_roles WHERE rolname = current_user`,
  );
  return rows[0]!;
}

/** Of `roles`, those the current user cannot act as (ALTER … OWNER TO needs membership). */
export async function rolesNotHeld(client: pg.Client, roles: string[]): Promise<string[]> {
  const { rows } = await client.query<{ role: string }>(
    `SELECT r AS role FROM unnest($1::text[]) r
     WHERE CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN NOT pg_has_role(current_user, r, 'MEMBER') ELSE true END
     ORDER BY 1`,
    [roles],
  );
  return rows.map(({ role }) => role);
}

export async function inTransaction<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

export async function sessionsOn(client: pg.Client, database: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  );
  return rows[0]!.n;
}

export async function terminateSessions(client: pg.Client, databases: string[]): Promise<void> {
  await client.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid()',
    [databases],
  );
}

/** "database is being accessed by other users" (55006): a session arrived or has not yet ended. */
export function isObjectInUse(error: unknown): boolean {
  return (error as { code?: string }).code === '55006';
}

/** Whether a database of that name exists. */
export async function databaseExists(client: pg.Client, name: string): Promise<boolean> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return (rowCount ?? 0) > 0;
}

/** The owner of `name`, or nothing when there is no such database. */
export async function databaseOwner(client: pg.Client, name: string): Promise<string[]> {
  const { rows } = await client.query<{ owner: string }>(
    'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
    [name],
  );
  return rows.map(({ owner }) => owner);
}

export async function serverVersionNumber(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ num: string }>("SELECT current_setting('server_version_num') AS num");
  return Number(rows[0]!.num);
}
