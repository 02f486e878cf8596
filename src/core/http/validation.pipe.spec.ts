import 'reflect-metadata';
import { BadRequestException, type ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsString, Min, ValidateNested, validate, type ValidationError } from 'class-validator';
import { describe, expect, it } from '@jest/globals';
import { CreateBackupDto } from '../../backups/dto/create-backup.dto.js';
import { CreateDatabaseDto } from '../../databases/dto/create-database.dto.js';
import { createValidationPipe, toFieldErrors, type FieldError } from './validation.pipe.js';

class Address {
  @IsString()
  street!: string;

  @IsInt()
  @Min(1)
  number!: number;
}

class Person {
  @IsString()
  name!: string;

  @ValidateNested()
  @Type(() => Address)
  address!: Address;
}

describe('toFieldErrors', () => {
  it('returns nothing for no errors', () => {
    expect(toFieldErrors([])).toEqual([]);
  });

  it('flattens errors built by hand into dotted fields, skipping nodes without constraints', () => {
    const errors: ValidationError[] = [
      { property: 'name', constraints: { isString: 'name must be a string' }, children: [] },
      {
        property: 'address',
        children: [
          {
            property: 'street',
            // As class-validator lists them: the last decorator's rule first.
            constraints: { isNotEmpty: 'street should not be empty', isString: 'street must be a string' },
            children: [],
          },
          {
            property: 'geo',
            children: [{ property: 'lat', constraints: { isNumber: 'lat must be a number' } }],
          },
        ],
      },
    ];
    expect(toFieldErrors(errors)).toEqual([
      { field: 'name', messages: ['name must be a string'] },
      { field: 'address.street', messages: ['street must be a string', 'street should not be empty'] },
      { field: 'address.geo.lat', messages: ['lat must be a number'] },
    ]);
  });

  it('keeps both a parent constraint and its children', () => {
    const errors: ValidationError[] = [
      {
        property: 'items',
        constraints: { arrayMinSize: 'items must contain at least 2 elements' },
        children: [{ property: '0', constraints: { isInt: 'each value must be an integer' }, children: [] }],
      },
    ];
    expect(toFieldErrors(errors)).toEqual([
      { field: 'items', messages: ['items must contain at least 2 elements'] },
      { field: 'items.0', messages: ['each value must be an integer'] },
    ]);
  });

  it('uses the given parent as prefix', () => {
    expect(toFieldErrors([{ property: 'x', constraints: { a: 'x is bad' } }], 'root')).toEqual([
      { field: 'root.x', messages: ['x is bad'] },
    ]);
  });

  it('flattens real class-validator errors on nested objects', async () => {
    const person = new Person();
    person.name = 'Ada';
    person.address = Object.assign(new Address(), { street: 42 as unknown as string, number: 0 });
    const fields = toFieldErrors(await validate(person));
    expect(fields).toEqual([
      { field: 'address.street', messages: ['street must be a string'] },
      { field: 'address.number', messages: ['number must not be less than 1'] },
    ]);
  });
});

async function expectValidationFailure(value: unknown, metatype: ArgumentMetadata['metatype']): Promise<FieldError[]> {
  const pipe = createValidationPipe();
  let caught: unknown;
  try {
    await pipe.transform(value, { type: 'body', metatype });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(BadRequestException);
  const response = (caught as BadRequestException).getResponse() as { error: string; details: FieldError[] };
  expect(response.error).toBe('Validation failed');
  expect(Object.keys(response).sort()).toEqual(['details', 'error']);
  expect(Array.isArray(response.details)).toBe(true);
  expect(response.details.length).toBeGreaterThan(0);
  return response.details;
}

describe('createValidationPipe with CreateBackupDto', () => {
  const metadata: ArgumentMetadata = { type: 'body', metatype: CreateBackupDto };

  it('accepts a string id and returns a DTO instance', async () => {
    const result = await createValidationPipe().transform({ databaseId: '123' }, metadata);
    expect(result).toBeInstanceOf(CreateBackupDto);
    expect(result).toEqual({ databaseId: '123' });
  });

  it('turns a numeric id into a string', async () => {
    const result = (await createValidationPipe().transform({ databaseId: 123 }, metadata)) as CreateBackupDto;
    expect(result).toBeInstanceOf(CreateBackupDto);
    expect(result.databaseId).toBe('123');
  });

  it('rejects unknown fields', async () => {
    const details = await expectValidationFailure({ databaseId: '1', extra: true }, CreateBackupDto);
    expect(details).toEqual([{ field: 'extra', messages: ['property extra should not exist'] }]);
  });

  it('says a missing databaseId is required, first and alone', async () => {
    expect(await expectValidationFailure({}, CreateBackupDto)).toEqual([{ field: 'databaseId', messages: ['databaseId is required'] }]);
    expect(await expectValidationFailure({ databaseId: null }, CreateBackupDto)).toEqual([
      { field: 'databaseId', messages: ['databaseId is required'] },
    ]);
  });

  it('puts the type rule before the length rule', async () => {
    expect(await expectValidationFailure({ databaseId: true }, CreateBackupDto)).toEqual([
      { field: 'databaseId', messages: ['databaseId must be a string', 'databaseId must be shorter than or equal to 64 characters'] },
    ]);
  });

  it('reports a missing required field and an unknown one, each with its own message', async () => {
    expect(await expectValidationFailure({ extra: 1 }, CreateBackupDto)).toEqual([
      { field: 'extra', messages: ['property extra should not exist'] },
      { field: 'databaseId', messages: ['databaseId is required'] },
    ]);
  });

  it('rejects an empty databaseId', async () => {
    const details = await expectValidationFailure({ databaseId: '' }, CreateBackupDto);
    expect(details).toEqual([{ field: 'databaseId', messages: ['databaseId should not be empty'] }]);
  });

  it('rejects a fractional or unsafe numeric id (not turned into a string)', async () => {
    for (const databaseId of [1.5, 2 ** 60]) {
      const details = await expectValidationFailure({ databaseId }, CreateBackupDto);
      expect(details).toEqual([
        { field: 'databaseId', messages: expect.arrayContaining(['databaseId must be a string']) },
      ]);
    }
  });

  it('rejects a databaseId longer than 64 characters', async () => {
    const details = await expectValidationFailure({ databaseId: '1'.repeat(65) }, CreateBackupDto);
    expect(details).toEqual([
      { field: 'databaseId', messages: ['databaseId must be shorter than or equal to 64 characters'] },
    ]);
  });
});

describe('createValidationPipe with CreateDatabaseDto', () => {
  const valid = {
    name: 'prod',
    engine: 'postgres',
    host: 'db.example.com',
    port: 5432,
    database: 'app',
    username: 'backup',
    password: 's3cret',
  };
  const metadata: ArgumentMetadata = { type: 'body', metatype: CreateDatabaseDto };

  async function accepts(overrides: Record<string, unknown>): Promise<CreateDatabaseDto> {
    const result = await createValidationPipe().transform({ ...valid, ...overrides }, metadata);
    expect(result).toBeInstanceOf(CreateDatabaseDto);
    return result as CreateDatabaseDto;
  }

  async function rejects(overrides: Record<string, unknown>): Promise<FieldError[]> {
    return expectValidationFailure({ ...valid, ...overrides }, CreateDatabaseDto);
  }

  it('accepts a valid registration unchanged', async () => {
    expect(await accepts({})).toEqual(valid);
  });

  it.each(['db.example.com', '127.0.0.1', '::1', 'localhost', 'fe80::1', 'a-b.c'])('accepts host %s', async (host) => {
    expect((await accepts({ host })).host).toBe(host);
  });

  it.each(['-oProxyCommand=x', 'evil host', 'host;rm', '/var/run/postgresql', '-db.example.com', 'a..b', 'a-.b'])(
    'rejects host %j',
    async (host) => {
      const details = await rejects({ host });
      expect(details).toEqual([{ field: 'host', messages: ['host must be a hostname or an IP address'] }]);
    },
  );

  it('rejects an empty host', async () => {
    const details = await rejects({ host: '' });
    expect(details.map((d) => d.field)).toEqual(['host']);
  });

  it.each([0, 70000, 65536, -1])('rejects port %d', async (port) => {
    const details = await rejects({ port });
    expect(details.map((d) => d.field)).toEqual(['port']);
  });

  it('rejects a non-integer port', async () => {
    const details = await rejects({ port: 5432.5 });
    expect(details).toEqual([{ field: 'port', messages: ['port must be an integer number'] }]);
  });

  it.each([1, 65535])('accepts port %d', async (port) => {
    expect((await accepts({ port })).port).toBe(port);
  });

  it('converts a numeric string port into a number', async () => {
    expect((await accepts({ port: '5433' })).port).toBe(5433);
  });

  it.each(['host=evil dbname=x', '-starts-with-dash', 'Ünïcode "quoted" name', "it's", 'back\\slash', 'postgresql://h/x'])(
    'accepts database name %j literally',
    async (database) => {
      expect((await accepts({ database })).database).toBe(database);
    },
  );

  it.each(['bad\u0000name', 'bad\nname', 'tab\there', 'del\u007f'])('rejects database name %j', async (database) => {
    const details = await rejects({ database });
    expect(details).toEqual([{ field: 'database', messages: ['database must not contain control characters'] }]);
  });

  it('rejects control characters in name and username', async () => {
    const details = await rejects({ name: 'a\nb', username: 'u\rv' });
    expect(details).toEqual([
      { field: 'name', messages: ['name must not contain control characters'] },
      { field: 'username', messages: ['username must not contain control characters'] },
    ]);
  });

  it('rejects a database name over 63 characters', async () => {
    const details = await rejects({ database: 'x'.repeat(64) });
    expect(details.map((d) => d.field)).toEqual(['database']);
  });

  it('rejects an unknown engine', async () => {
    const details = await rejects({ engine: 'oracle' });
    expect(details.map((d) => d.field)).toEqual(['engine']);
  });

  it('accepts an empty password', async () => {
    expect((await accepts({ password: '' })).password).toBe('');
  });

  it('rejects unknown fields and missing fields together', async () => {
    const { password: _password, ...withoutPassword } = valid;
    const details = await expectValidationFailure({ ...withoutPassword, sslmode: 'disable' }, CreateDatabaseDto);
    expect(details.map((d) => d.field).sort()).toEqual(['password', 'sslmode']);
  });
});

describe('CreateDatabaseDto stricter fields', () => {
  const pipe = createValidationPipe();
  const metadata: ArgumentMetadata = { type: 'body', metatype: CreateDatabaseDto };
  const valid = { name: 'n', engine: 'postgres', host: 'db', port: 5432, database: 'd', username: 'u', password: 'p' };

  async function fieldsRejected(body: Record<string, unknown>): Promise<string[]> {
    try {
      await pipe.transform(body, metadata);
      return [];
    } catch (error) {
      expect(error).toBeInstanceOf(BadRequestException);
      return ((error as BadRequestException).getResponse() as { details: FieldError[] }).details.map((d) => d.field);
    }
  }

  it.each(['10.0.0.5:5432', 'cafe:5432', ':', '::::'])('refuses host %j', async (host) => {
    expect(await fieldsRejected({ ...valid, host })).toEqual(['host']);
  });

  it.each(['::1', 'fe80::1', '2001:db8::5', '192.168.1.10'])('accepts IP host %j', async (host) => {
    expect(await fieldsRejected({ ...valid, host })).toEqual([]);
  });

  it('refuses a password with a newline (it would break the one-line pgpass file)', async () => {
    expect(await fieldsRejected({ ...valid, password: 'a\nb' })).toEqual(['password']);
  });

  it('counts database and user name length in bytes, as PostgreSQL does', async () => {
    expect(await fieldsRejected({ ...valid, database: 'é'.repeat(32), username: 'é'.repeat(31) })).toEqual(['database']);
  });
});
