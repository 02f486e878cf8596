import { describe, expect, it } from '@jest/globals';
import type { PgDatabaseProperties, PgRoleDetails } from './pg-catalog-details.js';
import {
  assertServiceDatabaseName,
  createDatabaseSql,
  createRoleSql,
  createRolesSql,
  databaseAclSql,
  databasePropertiesSql,
  dropDatabaseSql,
  renameDatabaseSql,
  setSettingSql,
  splitSettingList,
} from './pg-restore-sql.js';

function role(name: string, overrides: Partial<PgRoleDetails> = {}): PgRoleDetails {
  return {
    name,
    uses: ['owner'],
    superuser: false,
    inherit: true,
    createRole: false,
    createDb: false,
    canLogin: false,
    replication: false,
    bypassRls: false,
    connectionLimit: -1,
    validUntil: null,
    settings: [],
    memberOf: [],
    ...overrides,
  };
}

const properties: PgDatabaseProperties = {
  name: 'app',
  encoding: 'UTF8',
  collate: 'C.UTF-8',
  ctype: 'C.UTF-8',
  localeProvider: 'libc',
  locale: null,
  owner: 'app_owner',
  comment: "The app's data",
  connectionLimit: -1,
  acl: [
    { grantor: 'app_owner', grantee: 'app_owner', privilege: 'CREATE', grantable: false },
    { grantor: 'app_owner', grantee: 'app_owner', privilege: 'TEMPORARY', grantable: false },
    { grantor: 'app_owner', grantee: 'app_owner', privilege: 'CONNECT', grantable: false },
    { grantor: 'app_owner', grantee: 'reader', privilege: 'CONNECT', grantable: true },
  ],
  settings: ['search_path="$user", app', 'work_mem=8MB'],
  roleSettings: [{ role: 'reader', settings: ['work_mem=64MB'] }],
};

describe('assertServiceDatabaseName', () => {
  it.each(['dbbackup_restore_12_1', 'dbbackup_aside_12'])('accepts %s', (name) => {
    expect(() => assertServiceDatabaseName(name)).not.toThrow();
  });

  it.each(['app', 'postgres', 'dbbackup_restore_', 'dbbackup_aside_', 'x_dbbackup_aside_1', 'DBBACKUP_ASIDE_1'])(
    'refuses %s',
    (name) => {
      expect(() => assertServiceDatabaseName(name)).toThrow(`Refusing to drop database "${name}"`);
    },
  );
});

describe('splitSettingList', () => {
  it.each([
    ['"$user", public', ['$user', 'public']],
    ['app', ['app']],
    ['a,b ,  c', ['a', 'b', 'c']],
    ['"with ""quote""", "Mixed Case"', ['with "quote"', 'Mixed Case']],
    ['""', ['']],
    ['', []],
  ])('splits %j', (value, expected) => {
    expect(splitSettingList(value)).toEqual(expected);
  });
});

describe('setSettingSql', () => {
  it('quotes a plain value as one literal', () => {
    expect(setSettingSql('ALTER DATABASE "x"', 'work_mem=64MB')).toBe('ALTER DATABASE "x" SET "work_mem" TO \'64MB\'');
  });

  it('keeps "=" inside the value and escapes quotes', () => {
    expect(setSettingSql('ALTER ROLE "r"', "app.note=a=b'c")).toBe('ALTER ROLE "r" SET "app.note" TO \'a=b\'\'c\'');
  });

  it('quotes each item of a list setting', () => {
    expect(setSettingSql('ALTER DATABASE "x"', 'search_path="$user", public')).toBe(
      'ALTER DATABASE "x" SET "search_path" TO \'$user\', \'public\'',
    );
  });

  it('sets an empty list as an empty string', () => {
    expect(setSettingSql('ALTER DATABASE "x"', 'search_path=')).toBe('ALTER DATABASE "x" SET "search_path" TO \'\'');
  });
});

describe('createRoleSql', () => {
  it('spells every attribute and never a password', () => {
    expect(createRoleSql(role('app_owner'))).toBe(
      'CREATE ROLE "app_owner" NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1',
    );
  });

  it('keeps the recorded attributes, connection limit and expiry', () => {
    const sql = createRoleSql(
      role('Odd "name"', {
        inherit: false,
        createRole: true,
        createDb: true,
        canLogin: true,
        replication: true,
        bypassRls: true,
        connectionLimit: 3,
        validUntil: '2031-01-01 00:00:00+00',
      }),
    );
    expect(sql).toBe(
      'CREATE ROLE "Odd ""name""" NOSUPERUSER NOINHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS CONNECTION LIMIT 3 ' +
        "VALID UNTIL '2031-01-01 00:00:00+00'",
    );
    expect(sql).not.toMatch(/PASSWORD/i);
  });
});

describe('createRolesSql', () => {
  const roles = [
    role('group', { uses: ['member-of'] }),
    role('reader', {
      uses: ['acl'],
      canLogin: true,
      settings: ['statement_timeout=5s'],
      memberOf: [
        { role: 'group', admin: false },
        { role: 'pg_read_all_stats', admin: false },
      ],
    }),
    role('writer', { uses: ['acl'], memberOf: [{ role: 'group', admin: true }, { role: 'gone', admin: false }] }),
  ];

  it('creates the missing roles, then their memberships either way, then their settings', () => {
    expect(createRolesSql(roles, new Set(['group', 'reader']), new Set(['writer', 'pg_read_all_stats']))).toEqual([
      'CREATE ROLE "group" NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1',
      'CREATE ROLE "reader" NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1',
      'GRANT "group" TO "reader"',
      'GRANT "pg_read_all_stats" TO "reader"',
      'GRANT "group" TO "writer" WITH ADMIN OPTION',
      'ALTER ROLE "reader" SET "statement_timeout" TO \'5s\'',
    ]);
  });

  it('leaves memberships between existing roles alone', () => {
    expect(createRolesSql(roles, new Set(['reader']), new Set(['group', 'writer']))).toEqual([
      'CREATE ROLE "reader" NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1',
      'GRANT "group" TO "reader"',
      'ALTER ROLE "reader" SET "statement_timeout" TO \'5s\'',
    ]);
  });
});

describe('createDatabaseSql', () => {
  it('copies encoding and locale from template0', () => {
    expect(createDatabaseSql('dbbackup_restore_1_1', properties)).toBe(
      'CREATE DATABASE "dbbackup_restore_1_1" TEMPLATE template0 ENCODING \'UTF8\' LC_COLLATE \'C.UTF-8\' LC_CTYPE \'C.UTF-8\'',
    );
  });

  it('uses the server defaults when the backup recorded no properties', () => {
    expect(createDatabaseSql('dbbackup_restore_1_1', null)).toBe('CREATE DATABASE "dbbackup_restore_1_1" TEMPLATE template0');
  });

  it('adds the ICU provider and locale', () => {
    expect(createDatabaseSql('d', { ...properties, localeProvider: 'icu', locale: 'und-x-icu' })).toBe(
      'CREATE DATABASE "d" TEMPLATE template0 ENCODING \'UTF8\' LC_COLLATE \'C.UTF-8\' LC_CTYPE \'C.UTF-8\' ' +
        'LOCALE_PROVIDER "icu" ICU_LOCALE \'und-x-icu\'',
    );
  });
});

describe('databaseAclSql', () => {
  it('revokes the defaults, then grants the recorded privileges grouped per grantee', () => {
    expect(databaseAclSql('d', 'app_owner', properties.acl!)).toEqual([
      'REVOKE ALL ON DATABASE "d" FROM PUBLIC',
      'REVOKE ALL ON DATABASE "d" FROM "app_owner"',
      'GRANT CREATE, TEMPORARY, CONNECT ON DATABASE "d" TO "app_owner"',
      'GRANT CONNECT ON DATABASE "d" TO "reader" WITH GRANT OPTION',
    ]);
  });

  it('grants to PUBLIC', () => {
    expect(databaseAclSql('d', 'o', [{ grantor: 'o', grantee: null, privilege: 'TEMPORARY', grantable: false }]).at(-1)).toBe(
      'GRANT TEMPORARY ON DATABASE "d" TO PUBLIC',
    );
  });
});

describe('databasePropertiesSql', () => {
  it('preserves owner, comment, ACL, settings and role settings under the fresh name', () => {
    expect(databasePropertiesSql('fresh', { ...properties, connectionLimit: 7 }, 'preserve', new Set())).toEqual([
      'ALTER DATABASE "fresh" OWNER TO "app_owner"',
      'COMMENT ON DATABASE "fresh" IS \'The app\'\'s data\'',
      'ALTER DATABASE "fresh" CONNECTION LIMIT 7',
      'REVOKE ALL ON DATABASE "fresh" FROM PUBLIC',
      'REVOKE ALL ON DATABASE "fresh" FROM "app_owner"',
      'GRANT CREATE, TEMPORARY, CONNECT ON DATABASE "fresh" TO "app_owner"',
      'GRANT CONNECT ON DATABASE "fresh" TO "reader" WITH GRANT OPTION',
      'ALTER DATABASE "fresh" SET "search_path" TO \'$user\', \'app\'',
      'ALTER DATABASE "fresh" SET "work_mem" TO \'8MB\'',
      'ALTER ROLE "reader" IN DATABASE "fresh" SET "work_mem" TO \'64MB\'',
    ]);
  });

  it('leaves the default ACL alone when none was recorded', () => {
    const statements = databasePropertiesSql('fresh', { ...properties, acl: null }, 'preserve', new Set());
    expect(statements.filter((sql) => /GRANT|REVOKE/.test(sql))).toEqual([]);
  });

  it('for the restoring user: no owner, no ACL, role settings only for existing roles', () => {
    expect(databasePropertiesSql('fresh', properties, 'restoring-user', new Set(['someone']))).toEqual([
      'COMMENT ON DATABASE "fresh" IS \'The app\'\'s data\'',
      'ALTER DATABASE "fresh" SET "search_path" TO \'$user\', \'app\'',
      'ALTER DATABASE "fresh" SET "work_mem" TO \'8MB\'',
    ]);
    expect(databasePropertiesSql('fresh', properties, 'restoring-user', new Set(['reader'])).at(-1)).toBe(
      'ALTER ROLE "reader" IN DATABASE "fresh" SET "work_mem" TO \'64MB\'',
    );
  });
});

describe('rename and drop', () => {
  it('quotes the names', () => {
    expect(renameDatabaseSql('dbbackup_restore_1_1', 'My "App"')).toBe('ALTER DATABASE "dbbackup_restore_1_1" RENAME TO "My ""App"""');
    expect(dropDatabaseSql('dbbackup_aside_1', true)).toBe('DROP DATABASE IF EXISTS "dbbackup_aside_1" WITH (FORCE)');
    expect(dropDatabaseSql('dbbackup_aside_1', false)).toBe('DROP DATABASE IF EXISTS "dbbackup_aside_1"');
  });
});
