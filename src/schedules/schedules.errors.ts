import { NotFoundError } from '../core/http/domain-error.js';

export class ScheduleNotFoundError extends NotFoundError {
  constructor() {
    super('Schedule not found');
  }
}
