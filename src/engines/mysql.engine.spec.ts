import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { ProcessRunner } from '../core/process/process-runner.js';
import { type ConnectionTarget, TargetDatabaseError } from './engine.js';
import {
  MysqlEngine,
  isMysqlTransientFailure,
  mysqlDumpArgs,
  mysqlToolCommand,
  mysqlOptionFile,
  mysqlRestoreArgs,
  mysqlServerInfoArgs,
  optionFileValue,
  parseMysqlToolVersion,
  parseMysqlVersion,
} from './mysql.engine.js';

const target: ConnectionTarget = {
  host: 'db.example.com',
  port: 3307,
  database: 'app',
  username: 'backup',
  password: 'Sup3r"S3cr3t\\pw#1',
};

const OPTION_FILE = '/tmp/dbbackup-secret-x/my.cnf';

describe('optionFileValue', () => {
  it.each([
    ['plain', '"plain"'],
    ['', '""'],
    ['with space', '"with space"'],
    ['  padded  ', '"  padded  "'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['\\"', '"\\\\\\""'],
    ['ends with \\', '"ends with \\\\"'],
    ["it's", '"it\'s"'],
    ['hash # and ; semicolon', '"hash # and ; semicolon"'],
    ['two\nlines\r', '"two\\nlines\\r"'],
    ['\\n is not a newline', '"\\\\n is not a newline"'],
    ['Ünïcode ✓', '"Ünïcode ✓"'],
  ])('quotes %j as %s', (value, expected) => {
    expect(optionFileValue(value)).toBe(expected);
  });

  it('refuses a NUL character', () => {
    expect(() => optionFileValue('a\0b')).toThrow(/NUL/);
  });
});

describe('mysqlOptionFile', () => {
  it('writes the exact [client] section', () => {
    expect(mysqlOptionFile(target)).toBe(
      [
        '[client]',
        'host="db.example.com"',
        'port=3307',
        'user="backup"',
        'password="Sup3r\\"S3cr3t\\\\pw#1"',
        'protocol=TCP',
        '',
      ].join('\n'),
    );
  });

  it('keeps a hostile password on its own line, so it cannot add options', () => {
    const file = mysqlOptionFile({ ...target, password: 'x"\nhost=evil\n[client]\nuser=root' });
    expect(file.split('\n')).toEqual([
      '[client]',
      'host="db.example.com"',
      'port=3307',
      'user="backup"',
      'password="x\\"\\nhost=evil\\n[client]\\nuser=root"',
      'protocol=TCP',
      '',
    ]);
  });

  it('does not contain the database name', () => {
    expect(mysqlOptionFile({ ...target, database: 'secret_db_name' })).not.toContain('secret_db_name');
  });

  it.each([0, 70_000, 3306.5, Number.NaN])('refuses port %p', (port) => {
    expect(() => mysqlOptionFile({ ...target, port })).toThrow(TargetDatabaseError);
  });
});

describe('mysqlDumpArgs', () => {
  it('builds the exact argument list, option file first and the database after "--"', () => {
    expect(mysqlDumpArgs(OPTION_FILE, 'app')).toEqual([
      '--defaults-extra-file=/tmp/dbbackup-secret-x/my.cnf',
      '--single-transaction',
      '--dump-history',
      '--skip-add-locks',
      '--routines',
      '--triggers',
      '--events',
      '--hex-blob',
      '--default-character-set=utf8mb4',
      '--no-tablespaces',
      '--skip-dump-date',
      '--',
      'app',
    ]);
  });

  it('never uses --databases or --all-databases (no CREATE DATABASE / USE in the dump)', () => {
    const args = mysqlDumpArgs(OPTION_FILE, 'app');
    expect(args.some((arg) => /^--(databases|all-databases)\b|^-[AB]$/.test(arg))).toBe(false);
  });

  it.each(['-x', '--all-databases', '--defaults-file=/etc/passwd', 'with space', 'Chïnook "Quoted" \'db\''])(
    'passes %j verbatim as the last argument, after "--"',
    (database) => {
      const args = mysqlDumpArgs(OPTION_FILE, database);
      expect(args.slice(-2)).toEqual(['--', database]);
      expect(args.filter((arg) => arg === database)).toHaveLength(1);
    },
  );
});

describe('mysqlRestoreArgs', () => {
  it('builds the exact argument list', () => {
    expect(mysqlRestoreArgs(OPTION_FILE, '-restore me')).toEqual([
      '--defaults-extra-file=/tmp/dbbackup-secret-x/my.cnf',
      '--batch',
      '--binary-mode',
      '--sandbox',
      '--default-character-set=utf8mb4',
      '--connect-timeout=10',
      '--max-allowed-packet=1G',
      '--',
      '-restore me',
    ]);
  });
});

describe('mysqlServerInfoArgs', () => {
  it('builds the exact argument list', () => {
    expect(mysqlServerInfoArgs(OPTION_FILE, 'app')).toEqual([
      '--defaults-extra-file=/tmp/dbbackup-secret-x/my.cnf',
      '--batch',
      '--skip-column-names',
      '--default-character-set=utf8mb4',
      '--connect-timeout=10',
      '--execute=SELECT VERSION()',
      '--',
      'app',
    ]);
  });
});

describe('credentials never on the command line', () => {
  it.each([
    ['dump', mysqlDumpArgs],
    ['restore', mysqlRestoreArgs],
    ['server info', mysqlServerInfoArgs],
  ])('%s arguments contain neither the password nor the user', (_, build) => {
    const secret = { user: 'Unique-User-7', password: 'Unique-Pa55word-7' };
    const args = build(OPTION_FILE, target.database);
    expect(args[0]).toBe(`--defaults-extra-file=${OPTION_FILE}`);
    expect(mysqlOptionFile({ ...target, username: secret.user, password: secret.password })).toContain(secret.password);
    expect(args.some((arg) => arg.includes(secret.password) || arg.includes(secret.user))).toBe(false);
    expect(args.some((arg) => /^(--password|-p|--user|-u|--host|-h)/.test(arg))).toBe(false);
  });
});

describe('parseMysqlVersion', () => {
  it.each([
    ['10.11.19-MariaDB-0+deb12u1\n', { version: '10.11.19-MariaDB', major: 10 }],
    ['10.11.19-MariaDB', { version: '10.11.19-MariaDB', major: 10 }],
    ['11.4.2-MariaDB-ubu2404-log', { version: '11.4.2-MariaDB', major: 11 }],
    ['5.5.5-10.6.18-MariaDB', { version: '10.6.18-MariaDB', major: 10 }],
    ['8.0.36', { version: '8.0.36', major: 8 }],
    ['8.0.36-0ubuntu0.22.04.1', { version: '8.0.36', major: 8 }],
    ['8.4.2-log', { version: '8.4.2', major: 8 }],
    ['5.7.44', { version: '5.7.44', major: 5 }],
  ])('parses %j', (output, expected) => {
    expect(parseMysqlVersion(output)).toEqual(expected);
  });

  it('throws on unrecognised output', () => {
    expect(() => parseMysqlVersion('hello')).toThrow(/Unrecognised MySQL server version/);
  });
});

describe('parseMysqlToolVersion', () => {
  it.each([
    ['mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n', '10.11.19-MariaDB'],
    [
      'mariadb  Ver 15.1 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64) using  EditLine wrapper\n',
      '10.11.19-MariaDB',
    ],
    ['mariadb-dump from 11.4.2-MariaDB, client 10.19 for Linux (x86_64)\n', '11.4.2-MariaDB'],
    ['mysqldump  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)\n', '8.0.36'],
    ['mysqldump  Ver 10.13 Distrib 5.7.44, for Linux (x86_64)\n', '5.7.44'],
  ])('parses %j', (output, expected) => {
    expect(parseMysqlToolVersion(output)).toBe(expected);
  });

  it('returns null for unknown output', () => {
    expect(parseMysqlToolVersion('something else')).toBeNull();
  });
});

describe('isMysqlTransientFailure', () => {
  it.each([
    "ERROR 2002 (HY000): Can't connect to server on '127.0.0.1' (115)",
    "ERROR 2003 (HY000): Can't connect to MySQL server on '10.0.0.9:3306' (110)",
    "ERROR 2005 (HY000): Unknown server host 'db.internal' (-3)",
    'mariadb-dump: Got error: 2013: "Lost connection to server during query" when using LOCK TABLES',
    'mariadb-dump: Error 2013: Lost connection to server during query when dumping table `t` at row: 12',
    'ERROR 2006 (HY000) at line 12: Server has gone away',
    'ERROR 1040 (08004): Too many connections',
    'ERROR 1053 (08S01): Server shutdown in progress',
  ])('is true for %j', (message) => {
    expect(isMysqlTransientFailure(message)).toBe(true);
  });

  it.each([
    "ERROR 1045 (28000): Access denied for user 'backup'@'10.0.0.1' (using password: YES)",
    "ERROR 1049 (42000): Unknown database 'nope'",
    "mariadb-dump: Got error: 1044: \"Access denied for user 'x'@'%' to database 'y'\" when selecting the database",
    "ERROR 1064 (42000) at line 3: You have an error in your SQL syntax",
    'mariadb-dump exited with SIGTERM',
    '',
  ])('is false for %j', (message) => {
    expect(isMysqlTransientFailure(message)).toBe(false);
  });
});

describe('MysqlEngine.validateArchive', () => {
  const engine = new MysqlEngine(new ProcessRunner());
  const header = '/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB\n--\n';
  const body = 'INSERT INTO `t` VALUES (1);\n'.repeat(5000);
  const validate = (chunks: string[]) => engine.validateArchive(Readable.from(chunks.map((c) => Buffer.from(c))), new AbortController().signal);

  it('accepts a complete dump, in small or large chunks', async () => {
    await expect(validate([header, body, '\n-- Dump completed\n'])).resolves.toBeUndefined();
    const whole = `${header}${body}\n-- Dump completed\n`;
    await expect(validate(whole.match(/[^]{1,7}/g)!)).resolves.toBeUndefined();
  });

  it('accepts the trailer with a dump date and a MySQL header', async () => {
    await expect(
      validate(['-- MySQL dump 10.13  Distrib 8.0.36\n', body, '-- Dump completed on 2025-01-02 10:11:12\n']),
    ).resolves.toBeUndefined();
  });

  it('rejects a dump cut off before its trailer', async () => {
    await expect(validate([header, body])).rejects.toThrow(/incomplete.*-- Dump completed/);
    await expect(validate([header, body, '\n-- Dump comp'])).rejects.toThrow(/incomplete/);
  });

  it('rejects a trailer that is not the last line', async () => {
    await expect(validate([header, '-- Dump completed\n', body])).rejects.toThrow(/incomplete/);
  });

  it('rejects an empty stream and a file that is not a dump', async () => {
    await expect(validate([])).rejects.toThrow(/empty/);
    await expect(validate(['hello\n-- Dump completed\n'])).rejects.toThrow(/not a mariadb-dump/);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(engine.validateArchive(Readable.from([Buffer.from(header)]), controller.signal)).rejects.toThrow(
      /abort/i,
    );
  });
});

describe('mysqlToolCommand', () => {
  const command = mysqlToolCommand({ file: 'mariadb-dump', version: 'mariadb-dump 10.11.19-MariaDB' }, mysqlDumpArgs, target);

  it('puts the credentials in the option file only, given first as --defaults-extra-file', () => {
    expect(command.credentials).toEqual({ name: 'my.cnf', content: mysqlOptionFile(target) });
    expect(command.args(OPTION_FILE)).toEqual(mysqlDumpArgs(OPTION_FILE, target.database));
    expect(command.env(OPTION_FILE)).toEqual({});
    expect(command.args(OPTION_FILE).join(' ')).not.toContain(target.password);
  });

  it('reports a failure redacted, transient only when the server could not be reached', () => {
    const refused = command.failure(`Can't connect to server on 'db' (111) ${target.password}`);
    expect(refused.message).not.toContain(target.password);
    expect(refused.transient).toBe(true);
    expect(command.failure("Access denied for user 'backup'").transient).toBe(false);
  });
});
