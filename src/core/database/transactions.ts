import type { EntityManager } from 'typeorm';

/**
 * A transaction in progress, handed from one repository call to the next so that they share it. Repositories take
 * it as an optional last argument; services only pass it along.
 */
export type Tx = EntityManager;
