import { NotFoundError } from '../core/http/domain-error.js';

export class WebhookNotFoundError extends NotFoundError {
  constructor() {
    super('Webhook not found');
  }
}
