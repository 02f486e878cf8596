import type { ArgumentsHost } from '@nestjs/common';
import {
  BadRequestException,
  HttpException,
  InternalServerErrorException,
  Logger,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
  BadGatewayException,
} from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  BackupNotFoundError,
  BackupRunningError,
  QueueUnavailableError,
} from '../../backups/backups.errors.js';
import {
  ConnectionTestFailedError,
  DatabaseBusyError,
  DatabaseNameTakenError,
  DatabaseNotFoundError,
} from '../../databases/databases.errors.js';
import { ConflictError, NotFoundError, ServiceUnavailableError, UnprocessableError } from './domain-error.js';
import { HttpExceptionFilter } from './http-exception.filter.js';

describe('HttpExceptionFilter.toResponse', () => {
  const filter = new HttpExceptionFilter();

  describe('domain errors', () => {
    it.each([
      ['DatabaseNotFoundError', new DatabaseNotFoundError(), 404, 'Database not found'],
      ['BackupNotFoundError', new BackupNotFoundError(), 404, 'Backup not found'],
      [
        'DatabaseNameTakenError',
        new DatabaseNameTakenError('prod'),
        409,
        'A database named "prod" is already registered',
      ],
      [
        'DatabaseBusyError',
        new DatabaseBusyError(),
        409,
        'Database has backups queued or running; delete it once they finish',
      ],
      [
        'BackupRunningError',
        new BackupRunningError(),
        409,
        'Backup is running; it can be deleted once it has finished',
      ],
      [
        'ConnectionTestFailedError',
        new ConnectionTestFailedError('Connection refused'),
        422,
        'Connection test failed: Connection refused',
      ],
      [
        'QueueUnavailableError',
        new QueueUnavailableError(),
        503,
        'Backup queue unavailable; nothing was triggered, try again shortly',
      ],
      ['NotFoundError', new NotFoundError('nothing here'), 404, 'nothing here'],
      ['ConflictError', new ConflictError('clash'), 409, 'clash'],
      ['UnprocessableError', new UnprocessableError('bad input'), 422, 'bad input'],
      ['ServiceUnavailableError', new ServiceUnavailableError('later'), 503, 'later'],
    ])('%s maps to its status and message', (_name, error, status, message) => {
      expect(filter.toResponse(error)).toEqual({ status, body: { error: message } });
    });

    it('sets the error name to the concrete class', () => {
      expect(new DatabaseNotFoundError().name).toBe('DatabaseNotFoundError');
      expect(new QueueUnavailableError().name).toBe('QueueUnavailableError');
    });
  });

  describe('unexpected errors never leak', () => {
    it('a plain Error becomes a generic 500', () => {
      expect(filter.toResponse(new Error('select * from secret_table failed'))).toEqual({
        status: 500,
        body: { error: 'Internal server error' },
      });
    });

    it('a thrown non-Error value becomes a generic 500', () => {
      expect(filter.toResponse('select * from secret_table')).toEqual({
        status: 500,
        body: { error: 'Internal server error' },
      });
      expect(filter.toResponse(undefined)).toEqual({ status: 500, body: { error: 'Internal server error' } });
    });

    it('InternalServerErrorException hides its message', () => {
      expect(filter.toResponse(new InternalServerErrorException('db password is x'))).toEqual({
        status: 500,
        body: { error: 'Internal server error' },
      });
    });

    it('an Error with a 5xx statusCode is not treated as a client error', () => {
      const error = Object.assign(new Error('connection string postgres://u:pw@h/db'), { statusCode: 500 });
      expect(filter.toResponse(error)).toEqual({ status: 500, body: { error: 'Internal server error' } });
    });

    it('a plain object with a statusCode (not an Error) becomes a generic 500', () => {
      expect(filter.toResponse({ statusCode: 400, message: 'secret' })).toEqual({
        status: 500,
        body: { error: 'Internal server error' },
      });
    });
  });

  describe('PostgreSQL unavailable', () => {
    it('a refused or timed-out connection, or a server shutting down, becomes 503 without details', () => {
      const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      const shuttingDown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
      for (const error of [refused, shuttingDown, new Error('timeout exceeded when trying to connect')]) {
        expect(filter.toResponse(error)).toEqual({ status: 503, body: { error: 'Database unavailable; try again shortly' } });
      }
    });

    it('other SQL errors stay a generic 500', () => {
      const syntax = Object.assign(new Error('syntax error at or near "x"'), { code: '42601' });
      expect(filter.toResponse(syntax)).toEqual({ status: 500, body: { error: 'Internal server error' } });
    });
  });

  describe('Nest HttpExceptions', () => {
    it('NotFoundException keeps its message', () => {
      expect(filter.toResponse(new NotFoundException('Cannot GET /x'))).toEqual({
        status: 404,
        body: { error: 'Cannot GET /x' },
      });
    });

    it('NotFoundException without a message uses the default text', () => {
      expect(filter.toResponse(new NotFoundException())).toEqual({ status: 404, body: { error: 'Not Found' } });
    });

    it('BadRequestException from the validation pipe keeps its details', () => {
      const details = [{ field: 'databaseId', messages: ['databaseId should not be empty'] }];
      expect(filter.toResponse(new BadRequestException({ error: 'Validation failed', details }))).toEqual({
        status: 400,
        body: { error: 'Validation failed', details },
      });
    });

    it('BadRequestException with a message array falls back to its error text', () => {
      expect(filter.toResponse(new BadRequestException(['a must be a string', 'b must be a number']))).toEqual({
        status: 400,
        body: { error: 'Bad Request' },
      });
    });

    it('an HttpException with a string response uses the string', () => {
      expect(filter.toResponse(new HttpException('I am a teapot', 418))).toEqual({
        status: 418,
        body: { error: 'I am a teapot' },
      });
    });

    it('PayloadTooLargeException keeps its status', () => {
      expect(filter.toResponse(new PayloadTooLargeException('Body too large'))).toEqual({
        status: 413,
        body: { error: 'Body too large' },
      });
    });

    it('a 503 HttpException answers the generic text, never its message', () => {
      expect(filter.toResponse(new ServiceUnavailableException('redis at 10.0.0.3:6379 refused'))).toEqual({
        status: 503,
        body: { error: 'Service unavailable' },
      });
    });

    it('a 502 HttpException answers "Internal server error", never its message', () => {
      expect(filter.toResponse(new BadGatewayException('upstream said: password=hunter2'))).toEqual({
        status: 502,
        body: { error: 'Internal server error' },
      });
    });
  });

  describe('Fastify errors', () => {
    it('an Error with statusCode 413 keeps its status and message', () => {
      const error = Object.assign(new Error('Request body is too large'), {
        statusCode: 413,
        code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      });
      expect(filter.toResponse(error)).toEqual({ status: 413, body: { error: 'Request body is too large' } });
    });

    it('an Error with statusCode 415 keeps its status and message', () => {
      const error = Object.assign(new Error("Unsupported Media Type: text/plain"), { statusCode: 415 });
      expect(filter.toResponse(error)).toEqual({
        status: 415,
        body: { error: 'Unsupported Media Type: text/plain' },
      });
    });
  });
});

describe('HttpExceptionFilter.catch', () => {
  const filter = new HttpExceptionFilter();
  let loggedErrors: unknown[];

  beforeEach(() => {
    loggedErrors = [];
    // Keep the test output clean and record what would be logged.
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => {
      loggedErrors.push(message);
    });
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  function fakeHost() {
    const calls: { status: number[]; send: unknown[] } = { status: [], send: [] };
    const reply = {
      status(code: number) {
        calls.status.push(code);
        return reply;
      },
      send(body: unknown) {
        calls.send.push(body);
        return reply;
      },
    };
    const host = {
      switchToHttp: () => ({
        getResponse: () => reply,
        getRequest: () => ({}),
        getNext: () => undefined,
      }),
    } as unknown as ArgumentsHost;
    return { host, calls };
  }

  it('sends the mapped status and body once', () => {
    const { host, calls } = fakeHost();
    filter.catch(new DatabaseNotFoundError(), host);
    expect(calls.status).toEqual([404]);
    expect(calls.send).toEqual([{ error: 'Database not found' }]);
    expect(loggedErrors).toEqual([]);
  });

  it('sends a generic 500 for an unexpected error and logs its stack', () => {
    const { host, calls } = fakeHost();
    const error = new Error('select * from secret_table failed');
    filter.catch(error, host);
    expect(calls.status).toEqual([500]);
    expect(calls.send).toEqual([{ error: 'Internal server error' }]);
    expect(loggedErrors).toHaveLength(1);
    expect(loggedErrors[0]).toBe(error.stack);
  });

  it('does not log a 503', () => {
    const { host, calls } = fakeHost();
    filter.catch(new QueueUnavailableError(), host);
    expect(calls.status).toEqual([503]);
    expect(calls.send).toEqual([{ error: 'Backup queue unavailable; nothing was triggered, try again shortly' }]);
    expect(loggedErrors).toEqual([]);
  });

  it('logs a thrown non-Error value as a string', () => {
    const { host, calls } = fakeHost();
    filter.catch('boom', host);
    expect(calls.status).toEqual([500]);
    expect(calls.send).toEqual([{ error: 'Internal server error' }]);
    expect(loggedErrors).toEqual(['boom']);
  });
});
