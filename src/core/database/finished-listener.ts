import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import pg from 'pg';
import { AppConfig } from '../config/app-config.js';
import { FINISHED_CHANNEL } from './fenced-records.js';

const RECONNECT_DELAY_MS = 2_000;

/** Announces `key` on FINISHED_CHANNEL to every FinishedListener (best effort, like any NOTIFY). */
export async function announce(db: { query(sql: string, parameters: unknown[]): Promise<unknown> }, key: string): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [FINISHED_CHANNEL, key]);
}

/**
 * Listens (PostgreSQL LISTEN) for what other processes announce: rows that workers finished, so a request can wait
 * for an outcome instead of polling, and verifications whose requester went away. If the connection drops,
 * waiters simply time out until it is back.
 */
@Injectable()
export class FinishedListener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(FinishedListener.name);
  private readonly events = new EventEmitter().setMaxListeners(0);
  private client?: pg.Client;
  private stopped = false;
  private reconnecting = false;

  constructor(private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    await this.connect().catch((error: Error) => this.retryLater(error));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
  }

  /**
   * Resolves when `key` is announced or after `ms`. Subscribe first, then check the row: an announcement between
   * the check and the wait is not missed.
   */
  waitFor(key: string, ms: number, alreadyDone: () => Promise<boolean>): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.events.off(key, done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.events.on(key, done);
      alreadyDone().then((finished) => finished && done(), done);
    });
  }

  /** Calls `listener` every time `key` is announced, until the returned function is called. */
  subscribe(key: string, listener: () => void): () => void {
    this.events.on(key, listener);
    return () => this.events.off(key, listener);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.config.databaseUrl, application_name: 'db-backup-service-listener' });
    client.on('notification', ({ payload }) => payload && this.events.emit(payload));
    client.on('error', (error) => this.retryLater(error));
    await client.connect();
    await client.query(`LISTEN ${FINISHED_CHANNEL}`);
    this.client = client;
  }

  private retryLater(error: Error): void {
    if (this.stopped || this.reconnecting) return;
    this.reconnecting = true;
    this.logger.warn(`Listening for finished jobs failed (${error.message}); retrying`);
    const old = this.client;
    this.client = undefined;
    void old?.end().catch(() => undefined);
    setTimeout(() => {
      this.reconnecting = false;
      void this.connect().catch((next: Error) => this.retryLater(next));
    }, RECONNECT_DELAY_MS).unref();
  }
}
