import { randomUUID } from 'node:crypto';

/** A caller's own X-Request-Id is taken when it is 1-128 of these characters; anything else gets a fresh UUID. */
const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** The id of a request: the caller's well-formed X-Request-Id (so logs join up across services), or a new UUID. */
export function acceptOrCreateRequestId(given: string | string[] | undefined): string {
  return typeof given === 'string' && WELL_FORMED_REQUEST_ID.test(given) ? given : randomUUID();
}
