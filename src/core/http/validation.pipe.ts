import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

export interface FieldError {
  field: string;
  messages: string[];
}

/**
 * Flattens nested class-validator errors into `{ field: "a.b", messages: [...] }`. A required field that is missing
 * (absent or null: optional fields are not validated then) gets `<field> is required` alone, not the rules its value
 * would have had to meet. Other messages follow the order the DTO declares its rules in (the type before its length).
 */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: messagesOf(error, field) }] : [];
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

function messagesOf(error: ValidationError, field: string): string[] {
  const constraints = error.constraints ?? {};
  if (isMissing(error) && !(UNKNOWN_PROPERTY in constraints)) return [`${field} is required`];
  // class-validator runs a property's rules from the last decorator up: reversed, they read as declared.
  return Object.values(constraints).reverse();
}

/** The constraint forbidNonWhitelisted reports for a property the DTO does not declare. */
const UNKNOWN_PROPERTY = 'whitelistValidation';

/**
 * A property validated without a value. class-validator always records the value it checked (`value` is an own key,
 * undefined included); Nest removes it only from errors with children, which are about a value that is there.
 */
function isMissing(error: ValidationError): boolean {
  return Object.hasOwn(error, 'value') && (error.value === undefined || error.value === null);
}

/** Strict validation: unknown fields are rejected, payloads are transformed into DTO instances. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) =>
      new BadRequestException({ error: 'Validation failed', details: toFieldErrors(errors) }),
  });
}
