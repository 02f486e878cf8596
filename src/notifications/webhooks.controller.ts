import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CallerScopes } from '../auth/caller-scopes.decorator.js';
import { type ApiScope, RequireScope } from '../auth/scopes.js';
import { mayReadUrlSecrets } from '../core/http/url-secrets.js';
import { ApiErrors } from '../core/http/error-response.dto.js';
import { CreateWebhookDto, UpdateWebhookDto } from './dto/create-webhook.dto.js';
import { DeliveriesQueryDto } from './dto/deliveries-query.dto.js';
import { CreatedWebhookResponseDto, WebhookDeliveryResponseDto, WebhookResponseDto } from './dto/webhook-response.dto.js';
import { WebhooksService } from './webhooks.service.js';

const NOT_FOUND: [number, string] = [404, 'Webhook not found'];
const VALIDATION: [number, string] = [400, 'Validation failed'];
const HOST_REFUSED: [number, string] = [422, 'Target host "127.0.0.1" is not allowed: 127.0.0.1 is loopback, and TARGET_HOST_ALLOWLIST does not name it'];
const DEFAULT_DELIVERIES = 50;

@ApiTags('webhooks')
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @RequireScope('admin')
  @ApiOperation({
    summary: 'Add a webhook',
    description:
      'Events are POSTed as JSON, signed in X-Webhook-Signature (t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>). ' +
      'The secret is returned in this response only.',
  })
  @ApiResponse({ status: 201, description: 'Created: the new webhook, with its signing secret shown only in this answer.', type: CreatedWebhookResponseDto })
  @ApiErrors(VALIDATION, [404, 'Database not found'], HOST_REFUSED)
  async create(@Body() dto: CreateWebhookDto): Promise<CreatedWebhookResponseDto> {
    const { webhook, secret } = await this.webhooks.create(dto);
    return { ...WebhookResponseDto.from(webhook), secret };
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({
    summary: 'List webhooks (secrets are never shown)',
    description: 'Without the admin scope, the query values of each URL are masked (`?token=***`).',
  })
  @ApiResponse({ status: 200, description: 'The webhooks.', type: [WebhookResponseDto] })
  @ApiErrors()
  async list(@CallerScopes() scopes: readonly ApiScope[] | undefined): Promise<WebhookResponseDto[]> {
    return (await this.webhooks.list()).map((webhook) => WebhookResponseDto.from(webhook, !mayReadUrlSecrets(scopes)));
  }

  @Get(':webhookId')
  @RequireScope('read')
  @ApiOperation({ summary: 'Get a webhook', description: 'Without the admin scope, the query values of its URL are masked.' })
  @ApiResponse({ status: 200, description: 'The webhook.', type: WebhookResponseDto })
  @ApiErrors(NOT_FOUND)
  async get(@Param('webhookId') id: string, @CallerScopes() scopes: readonly ApiScope[] | undefined): Promise<WebhookResponseDto> {
    return WebhookResponseDto.from(await this.webhooks.get(id), !mayReadUrlSecrets(scopes));
  }

  @Patch(':webhookId')
  @RequireScope('admin')
  @ApiOperation({ summary: 'Change the URL, the events or whether it is enabled' })
  @ApiResponse({ status: 200, description: 'The webhook.', type: WebhookResponseDto })
  @ApiErrors(NOT_FOUND, VALIDATION, HOST_REFUSED)
  async update(@Param('webhookId') id: string, @Body() dto: UpdateWebhookDto): Promise<WebhookResponseDto> {
    return WebhookResponseDto.from(await this.webhooks.update(id, dto));
  }

  @Delete(':webhookId')
  @HttpCode(204)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Remove a webhook and its delivery log' })
  @ApiResponse({ status: 204, description: 'Removed' })
  @ApiErrors(NOT_FOUND)
  async remove(@Param('webhookId') id: string): Promise<void> {
    await this.webhooks.remove(id);
  }

  @Get(':webhookId/deliveries')
  @RequireScope('read')
  @ApiOperation({ summary: 'Delivery log of a webhook, newest first: status, attempts, last answer or error' })
  @ApiResponse({ status: 200, description: 'The webhook deliveries.', type: [WebhookDeliveryResponseDto] })
  @ApiErrors(NOT_FOUND, VALIDATION)
  async deliveries(@Param('webhookId') id: string, @Query() query: DeliveriesQueryDto): Promise<WebhookDeliveryResponseDto[]> {
    const rows = await this.webhooks.listDeliveries(id, query.limit ?? DEFAULT_DELIVERIES);
    return rows.map((row) => WebhookDeliveryResponseDto.from(row));
  }
}
