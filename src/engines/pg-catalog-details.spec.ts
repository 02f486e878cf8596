import { describe, expect, it } from '@jest/globals';
import { type PgRoleDetails, isOwnerRole, isPredefinedRole, postgresDetails } from './pg-catalog-details.js';

describe('postgresDetails', () => {
  it('returns recorded details as they are', () => {
    const details = { database: { name: 'app' }, roles: [] };
    expect(postgresDetails(details)).toBe(details);
  });

  it.each([null, undefined])('is null for a backup that recorded none (%s)', (details) => {
    expect(postgresDetails(details)).toBeNull();
  });

  it.each([{}, { database: {} }, { roles: [] }, 'text', { charset: 'utf8mb4', definers: [] }])(
    'refuses details of another shape: %j',
    (details) => {
      expect(() => postgresDetails(details)).toThrow('The backup catalog has no PostgreSQL database details');
    },
  );
});

describe('isOwnerRole', () => {
  const role = (uses: PgRoleDetails['uses']) => ({ uses }) as PgRoleDetails;

  it.each([
    [['owner'], true],
    [['database-owner'], true],
    [['acl', 'owner'], true],
    [['acl', 'policy', 'setting', 'default-acl'], false],
    [['member-of'], false],
  ] as const)('%j -> %s', (uses, expected) => {
    expect(isOwnerRole(role([...uses]))).toBe(expected);
  });
});

describe('isPredefinedRole', () => {
  it.each([
    ['pg_read_all_data', true],
    ['pg_database_owner', true],
    ['postgres', false],
    ['app_pg_user', false],
  ])('%s -> %s', (name, expected) => {
    expect(isPredefinedRole(name)).toBe(expected);
  });
});
