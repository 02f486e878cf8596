import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { removeProcessDirectory, secretFilesRoot, sweepDeadOwners, useSecretFilesRoot } from './secret-file.js';

/**
 * At start-up, before any job runs: sets where this process writes its password files (SECRET_FILES_DIR), and
 * removes those that processes killed without a chance to clean up (SIGKILL, OOM) left there. A root that
 * other users could enter stops the start-up.
 */
@Injectable()
export class SecretFilesSweeper implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SecretFilesSweeper.name);

  constructor(config: AppConfig) {
    // In the constructor: every provider exists before any hook starts a queue worker that could write a secret.
    if (config.secretFilesDir) useSecretFilesRoot(config.secretFilesDir);
  }

  async onModuleInit(): Promise<void> {
    const owners = await sweepDeadOwners();
    if (owners.length > 0) {
      this.logger.warn(`Removed the password files left in ${secretFilesRoot()} by stopped processes ${owners.join(', ')}`);
    }
  }

  onApplicationShutdown(): void {
    removeProcessDirectory();
  }
}
