import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import path from 'node:path';
import type { Environment } from './environment.js';

/** Typed, read-only view of the validated environment. */
@Injectable()
export class AppConfig {
  constructor(private readonly config: ConfigService<Environment, true>) {}

  private get<K extends keyof Environment>(key: K): Environment[K] {
    return this.config.get(key, { infer: true });
  }

  get isProduction(): boolean {
    return this.get('NODE_ENV') === 'production';
  }
  get port(): number {
    return this.get('PORT');
  }
  get host(): string {
    return this.get('HOST');
  }
  get databaseUrl(): string {
    return this.get('DATABASE_URL');
  }
  get redisUrl(): string {
    return this.get('REDIS_URL');
  }
  get queuePrefix(): string {
    return this.get('QUEUE_PREFIX');
  }
  get storageDir(): string {
    return path.resolve(this.get('STORAGE_DIR'));
  }
  get secretFilesDir(): string | undefined {
    const directory = this.get('SECRET_FILES_DIR');
    return directory === undefined ? undefined : path.resolve(directory);
  }
  get storageMinFreeBytes(): number {
    return this.get('STORAGE_MIN_FREE_BYTES');
  }
  get storageMinFreePercent(): number {
    return this.get('STORAGE_MIN_FREE_PERCENT');
  }
  get credentialsKey(): string | undefined {
    return this.get('CREDENTIALS_KEY');
  }
  get backupEncryptionKey(): string | undefined {
    return this.get('BACKUP_ENCRYPTION_KEY');
  }
  get logLevel(): string {
    return this.get('LOG_LEVEL');
  }
  get workerConcurrency(): number {
    return this.get('WORKER_CONCURRENCY');
  }
  /** One drill at a time per worker unless DRILL_CONCURRENCY says otherwise. */
  get drillConcurrency(): number {
    return this.get('DRILL_CONCURRENCY') ?? 1;
  }
  get backupTimeoutMs(): number {
    return this.get('BACKUP_TIMEOUT_SECONDS') * 1000;
  }
  get shutdownGraceMs(): number {
    return this.get('SHUTDOWN_GRACE_SECONDS') * 1000;
  }
  get reconcileIntervalMs(): number {
    return this.get('RECONCILE_INTERVAL_SECONDS') * 1000;
  }
  get scheduleMissedGraceMs(): number {
    return this.get('SCHEDULE_MISSED_GRACE_SECONDS') * 1000;
  }
  get scheduleReconcileIntervalMs(): number {
    return this.get('SCHEDULE_RECONCILE_INTERVAL_SECONDS') * 1000;
  }
  get retentionSweepIntervalMs(): number {
    return this.get('RETENTION_SWEEP_INTERVAL_SECONDS') * 1000;
  }
  get restoreAsideKeepMs(): number {
    return this.get('RESTORE_ASIDE_KEEP_SECONDS') * 1000;
  }
  get workerLockSeconds(): number {
    return this.get('WORKER_LOCK_SECONDS');
  }
  get pgBinDirs(): string[] | undefined {
    return this.get('PG_BIN_DIRS')?.split(':').filter(Boolean);
  }
  get webhookMaxAttempts(): number {
    return this.get('WEBHOOK_MAX_ATTEMPTS');
  }
  get webhookBackoffMs(): number {
    return this.get('WEBHOOK_BACKOFF_MS');
  }
  get webhookTimeoutMs(): number {
    return this.get('WEBHOOK_TIMEOUT_MS');
  }
  get workerMetricsPort(): number | undefined {
    return this.get('WORKER_METRICS_PORT');
  }
  get workerMetricsHost(): string {
    return this.get('WORKER_METRICS_HOST');
  }
  get adminApiKey(): string | undefined {
    return this.get('ADMIN_API_KEY');
  }
  get rateLimitPerMinute(): number {
    return this.get('RATE_LIMIT_PER_MINUTE');
  }
  get targetHostAllowlist(): string | undefined {
    return this.get('TARGET_HOST_ALLOWLIST');
  }
}
