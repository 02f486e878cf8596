/**
 * Bounds, in seconds, of every backup duration histogram, from a second to the 6-hour default time limit: the API's
 * (from the records) and the worker's own.
 */
export const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600] as const;
