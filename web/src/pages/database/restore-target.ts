import type { Schemas } from '../../api/client';

type Engine = Schemas['DatabaseResponseDto']['engine'];

/** MySQL and MariaDB dumps restore into either; PostgreSQL only into PostgreSQL (the API checks it too). */
export function sameFamily(a: Engine, b: Engine): boolean {
  return (a === 'postgres') === (b === 'postgres');
}

/** Restoring into the source replaces it: the person types its name to confirm. */
export function inPlaceConfirmed(sourceName: string, typed: string): boolean {
  return typed.trim() === sourceName;
}
