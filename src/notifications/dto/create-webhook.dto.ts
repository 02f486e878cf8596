import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayNotEmpty, ArrayUnique, IsArray, IsBoolean, IsIn, IsOptional, IsString, Length, Matches, MaxLength, ValidateBy } from 'class-validator';
import { idToString } from '../../core/http/id-param.js';
import { WEBHOOK_EVENTS, type WebhookEvent } from '../webhook-events.js';
import { webhookUrlProblem } from '../webhook-url.js';

/** http(s) only, no credentials; where it points is checked by the target host policy (422). */
export const IsWebhookUrl = () =>
  ValidateBy({
    name: 'isWebhookUrl',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && webhookUrlProblem(value) === null,
      defaultMessage: (args) => (typeof args?.value === 'string' && webhookUrlProblem(args.value)) || 'url must be a string',
    },
  });

export class UpdateWebhookDto {
  @ApiPropertyOptional({ description: 'Where events are POSTed (http or https).', example: 'https://hooks.example.com/backups', maxLength: 2048 })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsWebhookUrl()
  url?: string;

  @ApiPropertyOptional({
    description:
      'Events to send. Absent at creation: backup.succeeded, backup.failed, restore.succeeded, restore.failed and ' +
      'schedule.missed; later events (backup.anomaly, drill.succeeded, drill.failed, drill.missed) are sent only to webhooks that ' +
      'name them.',
    enum: WEBHOOK_EVENTS,
    isArray: true,
    example: ['backup.failed'],
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENTS, { each: true })
  events?: WebhookEvent[];

  @ApiPropertyOptional({ description: 'A disabled webhook receives nothing.', default: true, example: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class CreateWebhookDto extends UpdateWebhookDto {
  @ApiProperty({ description: 'Where events are POSTed (http or https).', example: 'https://hooks.example.com/backups', maxLength: 2048 })
  @IsString()
  @MaxLength(2048)
  @IsWebhookUrl()
  declare url: string;

  @ApiPropertyOptional({
    description: "Only this database's events (see GET /databases); absent or null: every database's events (a global webhook).",
    example: 'REPLACE_WITH_DATABASE_ID',
    nullable: true,
    type: String,
  })
  @IsOptional()
  @Transform(idToString)
  @IsString()
  @MaxLength(64)
  databaseId?: string | null;

  @ApiPropertyOptional({
    description: 'Signing secret (16-256 printable characters); generated when absent. Returned once, in this response.',
    example: 'whsec_9s8d7f6g5h4j3k2l1',
    writeOnly: true,
  })
  @IsOptional()
  @IsString()
  @Length(16, 256)
  @Matches(/^[\x21-\x7e]+$/, { message: 'secret must be printable ASCII without spaces' })
  secret?: string;
}
