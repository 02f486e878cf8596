import type { Readable, Writable } from 'node:stream';
import type { EngineName } from '../databases/database.entity.js';

/** How to reach a target database. The password lives only in memory and in 0600 files given to the tools. */
export interface ConnectionTarget {
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
}

export interface ServerInfo {
  /** e.g. "15.19" */
  version: string;
  major: number;
}

/**
 * A dump in progress. `stdout` is the uncompressed dump (compression is applied by the pipeline);
 * read it to the end, then await `completed`, which rejects with TargetDatabaseError on failure.
 */
export interface DumpSession {
  stdout: Readable;
  completed: Promise<void>;
  serverVersion: string;
  toolVersion: string;
}

/** A restore in progress: write the uncompressed dump to `stdin`, end it, then await `completed`. */
export interface RestoreSession {
  stdin: Writable;
  completed: Promise<void>;
  toolVersion: string;
}

export interface DatabaseEngine {
  readonly name: EngineName;
  /** Extension of the uncompressed dump: "dump" (pg_dump custom format) or "sql". */
  readonly dumpExtension: string;
  serverInfo(target: ConnectionTarget): Promise<ServerInfo>;
  /** With `stdoutFd`, the dump tool writes to that descriptor (see OsPipe) and `stdout` stays empty. */
  startDump(target: ConnectionTarget, signal: AbortSignal, stdoutFd?: number): Promise<DumpSession>;
  /** Replaces the target's objects with those of the dump, all or nothing where the engine allows it. */
  startRestore(target: ConnectionTarget, signal: AbortSignal): Promise<RestoreSession>;
  /** Reads an uncompressed dump to its end and throws if it is not a complete, readable archive. */
  validateArchive(dump: Readable, signal: AbortSignal): Promise<void>;
}

/**
 * A failure talking to a target database. `transient` failures (the server could not be reached) are retried;
 * permanent ones (bad credentials, missing database, a dump that broke midway) are not.
 */
export class TargetDatabaseError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'TargetDatabaseError';
  }
}

const TRANSIENT_PATTERNS = [
  /connection refused/i,
  /timeout expired/i,
  /timed out/i,
  /could not translate host name/i,
  /network is unreachable/i,
  /no route to host/i,
  /the database system is (starting up|shutting down)/i,
  /too many connections|remaining connection slots/i,
  /ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN/,
];

export function isTransientFailure(message: string): boolean {
  return TRANSIENT_PATTERNS.some((pattern) => pattern.test(message));
}

/** Removes a secret from a message meant for users and logs. */
export function redact(message: string, ...secrets: string[]): string {
  return secrets
    .filter((secret) => secret.length >= 3)
    .reduce((text, secret) => text.split(secret).join('********'), message);
}
