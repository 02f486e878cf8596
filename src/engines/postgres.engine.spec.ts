import { describe, expect, it } from '@jest/globals';
import type { ConnectionTarget } from './engine.js';
import { conninfoValue, pgDumpArgs, pgRestoreArgs, pgToolCommand, pgpassField, pgpassLine } from './postgres.engine.js';

const target: ConnectionTarget = {
  host: 'db.example.com',
  port: 5433,
  database: 'app',
  username: 'backup',
  password: 'Sup3r:S3cr3t\\pw',
};

describe('conninfoValue', () => {
  it.each([
    ['app', "'app'"],
    ['', "''"],
    ['with space', "'with space'"],
    ["it's", "'it\\'s'"],
    ['back\\slash', "'back\\\\slash'"],
    ["\\'", "'\\\\\\''"],
    ['host=evil dbname=x', "'host=evil dbname=x'"],
    ['Ünïcode "quoted"', "'Ünïcode \"quoted\"'"],
  ])('quotes %j as %s', (value, expected) => {
    expect(conninfoValue(value)).toBe(expected);
  });
});

describe('pgpassField', () => {
  it.each([
    ['plain', 'plain'],
    ['a:b', 'a\\:b'],
    ['a\\b', 'a\\\\b'],
    ['\\:', '\\\\\\:'],
    ['::1', '\\:\\:1'],
    ['*', '*'],
    ['', ''],
  ])('escapes %j as %j', (value, expected) => {
    expect(pgpassField(value)).toBe(expected);
  });
});

describe('pgpassLine', () => {
  it('joins the escaped fields with ":" and ends with a newline', () => {
    expect(pgpassLine(target)).toBe('db.example.com:5433:app:backup:Sup3r\\:S3cr3t\\\\pw\n');
  });

  it('escapes every field, including an IPv6 host', () => {
    expect(pgpassLine({ host: '::1', port: 5432, database: 'd:b', username: 'u\\x', password: 'p' })).toBe(
      '\\:\\:1:5432:d\\:b:u\\\\x:p\n',
    );
  });

  it('contains exactly one line', () => {
    const line = pgpassLine(target);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.split('\n')).toEqual([line.slice(0, -1), '']);
  });
});

describe('pgDumpArgs', () => {
  it('builds the exact argument list', () => {
    expect(pgDumpArgs(target)).toEqual([
      '--format=custom',
      '--compress=0',
      '--no-password',
      '--host=db.example.com',
      '--port=5433',
      '--username=backup',
      "--dbname=dbname='app' application_name='db-backup-service' connect_timeout=10",
    ]);
  });

  it('keeps a database name that looks like conninfo inside the quoted dbname value', () => {
    const args = pgDumpArgs({ ...target, database: 'host=evil dbname=x' });
    expect(args.filter((arg) => arg.includes('host=evil'))).toEqual([
      "--dbname=dbname='host=evil dbname=x' application_name='db-backup-service' connect_timeout=10",
    ]);
    expect(args).toContain('--host=db.example.com');
  });

  it('escapes quotes and backslashes in the database name', () => {
    const args = pgDumpArgs({ ...target, database: "x' host='evil" });
    expect(args.at(-1)).toBe("--dbname=dbname='x\\' host=\\'evil' application_name='db-backup-service' connect_timeout=10");
  });

  it('dumps in an exported snapshot when given one', () => {
    expect(pgDumpArgs(target, '00000003-0000001B-1').slice(0, 4)).toEqual([
      '--format=custom',
      '--compress=0',
      '--snapshot=00000003-0000001B-1',
      '--no-password',
    ]);
  });

  it('restores all or nothing into the fresh database, keeping owners and grants, without --clean', () => {
    expect(pgRestoreArgs(target, 'preserve')).toEqual([
      '--single-transaction',
      '--exit-on-error',
      '--no-password',
      '--host=db.example.com',
      '--port=5433',
      '--username=backup',
      "--dbname=dbname='app' application_name='db-backup-service' connect_timeout=10",
    ]);
  });

  it('leaves owners and grants out when the restoring user is to own everything', () => {
    expect(pgRestoreArgs(target, 'restoring-user')).toEqual([
      '--single-transaction',
      '--exit-on-error',
      '--no-owner',
      '--no-privileges',
      '--no-password',
      '--host=db.example.com',
      '--port=5433',
      '--username=backup',
      "--dbname=dbname='app' application_name='db-backup-service' connect_timeout=10",
    ]);
  });

  it('passes every value as --opt=value so nothing reads as a flag', () => {
    const args = pgDumpArgs({ ...target, database: '-starts-with-dash', username: '-U' });
    for (const arg of args) expect(arg).toMatch(/^--[a-z-]+(=|$)/);
    expect(args).toContain('--username=-U');
  });

  it('never puts the password on the command line', () => {
    const password = 'Pa55w0rd-Unique';
    const args = pgDumpArgs({ ...target, password });
    expect(args.some((arg) => arg.includes(password))).toBe(false);
    expect(args.some((arg) => /password=/.test(arg))).toBe(false);
  });
});

describe('pgToolCommand', () => {
  const command = pgToolCommand('/usr/lib/postgresql/15/bin/pg_dump', 'pg_dump 15.4', pgDumpArgs(target), target);

  it('puts the password in the PGPASSFILE only: never in argv or env', () => {
    expect(command.credentials).toEqual({ name: 'pgpass', content: pgpassLine(target) });
    expect(command.env('/secrets/pgpass')).toEqual({ PGPASSFILE: '/secrets/pgpass' });
    expect(command.args('/secrets/pgpass')).toEqual(pgDumpArgs(target));
    expect(command.args('/secrets/pgpass').join(' ')).not.toContain(target.password);
  });

  it('reports a failure redacted, transient only when the server could not be reached', () => {
    const refused = command.failure(`connection refused (password ${target.password})`);
    expect(refused.message).not.toContain(target.password);
    expect(refused.transient).toBe(true);
    expect(command.failure('FATAL: password authentication failed').transient).toBe(false);
  });
});
