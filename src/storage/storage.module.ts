import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { LocalStorage } from './local.storage.js';
import { BACKUP_STORAGE } from './storage.js';

@Global()
@Module({
  providers: [
    {
      provide: BACKUP_STORAGE,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new LocalStorage(config.storageDir),
    },
  ],
  exports: [BACKUP_STORAGE],
})
export class StorageModule {}
