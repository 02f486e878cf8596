import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { TargetHostPolicy } from './target-host-policy.js';

/** The target host policy (TARGET_HOST_ALLOWLIST and the always-refused metadata addresses), for API and workers. */
@Module({
  providers: [
    { provide: TargetHostPolicy, inject: [AppConfig], useFactory: (config: AppConfig) => new TargetHostPolicy(config.targetHostAllowlist) },
  ],
  exports: [TargetHostPolicy],
})
export class NetModule {}
