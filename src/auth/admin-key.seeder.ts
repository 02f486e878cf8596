import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { ApiKeysService } from './api-keys.service.js';

/**
 * At API start-up: ADMIN_API_KEY becomes an admin key. Without it (never in production: main.ts refuses to start)
 * an admin key is generated when none is active and printed once on stdout.
 */
@Injectable()
export class AdminKeySeeder implements OnApplicationBootstrap {
  constructor(
    private readonly config: AppConfig,
    private readonly keys: ApiKeysService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const configured = this.config.adminApiKey;
    if (configured) return this.keys.seedAdminKey(configured);
    const generated = await this.keys.generateAdminKeyIfNone();
    if (generated) {
      process.stdout.write(
        `\nNo ADMIN_API_KEY is set and no admin API key exists: generated one. It is shown only this once, store it now:\n` +
          `  ADMIN API KEY: ${generated}\n` +
          `Send it as "Authorization: Bearer <key>"; create narrower keys with POST /api-keys.\n\n`,
      );
    }
  }
}
