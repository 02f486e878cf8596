export const COMPRESSIONS = ['zstd', 'gzip', 'none'] as const;
/** How a stored backup file is compressed (the pipeline's Compressor does it). */
export type Compression = (typeof COMPRESSIONS)[number];

export const COMPRESSION_EXTENSIONS: Record<Compression, string> = { zstd: '.zst', gzip: '.gz', none: '' };
