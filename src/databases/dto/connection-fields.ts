import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { isIP } from 'node:net';
import { IsByteLength, IsIn, IsInt, IsString, Length, Matches, Max, Min, ValidateBy } from 'class-validator';
import { ENGINES } from '../../engines/engine-name.js';

/**
 * The fields that say how to reach a database server, shared by a registered database and a drill sandbox: the
 * validation rules are the same; the descriptions and examples are each DTO's own.
 */

/** A hostname made of RFC 1123 labels (which covers IPv4 addresses); never starts with '-'. */
const HOSTNAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function isValidHost(value: unknown): boolean {
  return typeof value === 'string' && (HOSTNAME_PATTERN.test(value) || isIP(value) !== 0);
}

const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;

export function NoControlCharacters(field: string): PropertyDecorator {
  return Matches(NO_CONTROL_CHARACTERS, { message: `${field} must not contain control characters` });
}

/**
 * The decorators as if written one above the other on the property: applied from the last up, so that class-validator
 * runs the rules, and toFieldErrors lists their messages, in the same order as when they were written out.
 */
function stacked(...decorators: PropertyDecorator[]): PropertyDecorator {
  return applyDecorators(...decorators.reverse());
}

export function ConnectionName(description: string, example: string): PropertyDecorator {
  return stacked(ApiProperty({ description, example, maxLength: 100 }), IsString(), Length(1, 100), NoControlCharacters('name'));
}

export function ConnectionEngine(description: string): PropertyDecorator {
  return stacked(ApiProperty({ description, enum: ENGINES, example: 'postgres' }), IsIn(ENGINES));
}

export function ConnectionHost(description: string, example: string): PropertyDecorator {
  return stacked(
    ApiProperty({ description, example, maxLength: 253 }),
    IsString(),
    Length(1, 253),
    ValidateBy({ name: 'isHost', validator: { validate: isValidHost, defaultMessage: () => 'host must be a hostname or an IP address' } }),
  );
}

export function ConnectionPort(description: string): PropertyDecorator {
  return stacked(ApiProperty({ description, example: 5432, minimum: 1, maximum: 65535 }), Type(() => Number), IsInt(), Min(1), Max(65535));
}

/** `lengthMessage` replaces class-validator's own message for a name outside 1 to 63 bytes. */
export function ConnectionUsername(description: string, example: string, lengthMessage?: string): PropertyDecorator {
  return stacked(
    ApiProperty({ description, example, maxLength: 63 }),
    IsString(),
    IsByteLength(1, 63, lengthMessage === undefined ? undefined : { message: lengthMessage }),
    NoControlCharacters('username'),
  );
}

export function ConnectionPassword(description: string): PropertyDecorator {
  return stacked(
    ApiProperty({ description, example: 's3cret', maxLength: 1024, writeOnly: true }),
    IsString(),
    Length(0, 1024),
    NoControlCharacters('password'),
  );
}
