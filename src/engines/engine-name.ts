/** The engines the service can back up and restore: the value stored on registrations and backups. */
export const ENGINES = ['postgres', 'mysql', 'mariadb'] as const;
export type EngineName = (typeof ENGINES)[number];
