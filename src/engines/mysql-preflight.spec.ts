import { describe, expect, it } from '@jest/globals';
import { accountName, dumpedStatementBytes, packetShortfall, PACKET_MARGIN_BYTES } from './mysql-preflight.js';

const MB = 1024 * 1024;

describe('packet size', () => {
  it('counts the largest value twice (hex) plus a margin of one extended INSERT', () => {
    expect(dumpedStatementBytes({ table: 't', bytes: 6 * MB })).toBe(12 * MB + PACKET_MARGIN_BYTES);
    expect(PACKET_MARGIN_BYTES).toBe(MB);
  });

  it('accepts a 6 MB row under the default 16 MB max_allowed_packet, and no row at all', () => {
    expect(packetShortfall({ table: 't', bytes: 6 * MB }, 16 * MB)).toBeNull();
    expect(packetShortfall(null, 1024)).toBeNull();
    expect(packetShortfall({ table: 't', bytes: 7.5 * MB }, 16 * MB)).toBeNull();
  });

  it('names the table, the sizes and the setting to raise', () => {
    expect(packetShortfall({ table: 'files', bytes: 40 * MB }, 16 * MB)).toBe(
      "A row of table files holds 40 MB (80 MB as dumped); the target server's max_allowed_packet is 16 MB: raise it to at least 81M",
    );
    expect(packetShortfall({ table: 'x', bytes: 7.6 * MB }, 16 * MB)).toBe(
      "A row of table x holds 7.6 MB (15 MB as dumped); the target server's max_allowed_packet is 16 MB: raise it to at least 17M",
    );
  });
});

describe('accountName', () => {
  it('quotes user and host as string literals', () => {
    expect(accountName({ user: "o'brien", host: '%' })).toBe("'o\\'brien'@'%'");
    expect(accountName({ user: 'a\\b', host: 'localhost' })).toBe("'a\\\\b'@'localhost'");
  });
});
