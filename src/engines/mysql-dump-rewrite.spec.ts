import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { MysqlDumpRewriter, type DumpRewriteOptions, definerClause, rewriteStatementLine, sequenceQualifierPattern } from './mysql-dump-rewrite.js';

async function rewrite(input: Buffer, options: DumpRewriteOptions, chunkSize: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < input.length; offset += chunkSize) chunks.push(input.subarray(offset, offset + chunkSize));
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    new MysqlDumpRewriter(options),
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(out);
}

const SOURCE = 'shop `prod` ñ';
const DUMP = [
  '/*M!999999\\- enable the sandbox mode */ ',
  'CREATE TABLE `orders` (',
  '  `id` int(11) NOT NULL DEFAULT nextval(`shop ``prod`` ñ`.`order_seq`),',
  '  `note` text DEFAULT NULL',
  ') ENGINE=InnoDB;',
  "INSERT INTO `orders` VALUES (1,'DEFINER=`gone`@`%` nextval(`shop ``prod`` ñ`.`order_seq`)'),",
  "(2,'😀 ü');",
  '/*!50013 DEFINER=`gone`@`%` SQL SECURITY DEFINER */',
  '/*!50001 VIEW `v` AS select nextval(`shop ``prod`` ñ`.`order_seq`) AS `n` */;',
  '/*!50003 CREATE*/ /*!50017 DEFINER=`kept`@`localhost`*/ /*!50003 TRIGGER t BEFORE INSERT ON orders FOR EACH ROW SET NEW.note = 1 */;;',
  'CREATE DEFINER=`gone`@`%` PROCEDURE `p`()',
  '-- Dump completed',
].join('\n');

const EXPECTED_MISSING = [
  '/*M!999999\\- enable the sandbox mode */ ',
  'CREATE TABLE `orders` (',
  '  `id` int(11) NOT NULL DEFAULT nextval(`order_seq`),',
  '  `note` text DEFAULT NULL',
  ') ENGINE=InnoDB;',
  "INSERT INTO `orders` VALUES (1,'DEFINER=`gone`@`%` nextval(`shop ``prod`` ñ`.`order_seq`)'),",
  "(2,'😀 ü');",
  '/*!50013 DEFINER=CURRENT_USER SQL SECURITY DEFINER */',
  '/*!50001 VIEW `v` AS select nextval(`order_seq`) AS `n` */;',
  '/*!50003 CREATE*/ /*!50017 DEFINER=`kept`@`localhost`*/ /*!50003 TRIGGER t BEFORE INSERT ON orders FOR EACH ROW SET NEW.note = 1 */;;',
  'CREATE DEFINER=CURRENT_USER PROCEDURE `p`()',
  '-- Dump completed',
].join('\n');

describe('MysqlDumpRewriter', () => {
  const missing: DumpRewriteOptions = { sourceDatabase: SOURCE, definers: [{ user: 'gone', host: '%' }] };

  it.each([1, 2, 3, 5, 7, 11, 13, 64, 100_000])('rewrites statement lines only, in chunks of %i bytes', async (size) => {
    const output = await rewrite(Buffer.from(DUMP, 'utf8'), missing, size);
    expect(output.toString('utf8')).toBe(EXPECTED_MISSING);
  });

  it('rewrites every definer for ownership "restoring-user"', async () => {
    const output = (await rewrite(Buffer.from(DUMP, 'utf8'), { sourceDatabase: SOURCE, definers: 'all' }, 5)).toString('utf8');
    expect(output.match(/DEFINER=CURRENT_USER/g)).toHaveLength(3);
    expect(output).toContain("INSERT INTO `orders` VALUES (1,'DEFINER=`gone`@`%`");
  });

  it('passes everything through unchanged when there is nothing to rewrite', async () => {
    const input = Buffer.from(DUMP, 'utf8');
    const output = await rewrite(input, { sourceDatabase: 'other', definers: [] }, 4);
    expect(output.equals(input)).toBe(true);
  });

  it('keeps bytes that are not valid UTF-8 in data and statement lines', async () => {
    const input = Buffer.concat([Buffer.from("INSERT INTO `b` VALUES ('"), Buffer.from([0xff, 0xfe, 0x00, 0x80]), Buffer.from("');\n-- \u00e9"), Buffer.from([0xc3]), Buffer.from('\n')]);
    const output = await rewrite(input, missing, 3);
    expect(output.equals(input)).toBe(true);
  });

  it('streams a data line of several megabytes without holding it', async () => {
    const row = `INSERT INTO \`big\` VALUES (0x${'ab'.repeat(3 * 1024 * 1024)});\n`;
    const rewriter = new MysqlDumpRewriter(missing);
    let largestHeld = 0;
    const originalPush = rewriter.push.bind(rewriter);
    rewriter.push = (chunk: unknown) => {
      largestHeld = Math.max(largestHeld, (chunk as Buffer | null)?.length ?? 0);
      return originalPush(chunk);
    };
    const input = Buffer.from(row);
    const out: Buffer[] = [];
    await pipeline(Readable.from([input.subarray(0, 5), input.subarray(5, 70_000), input.subarray(70_000)]), rewriter, new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }));
    expect(Buffer.concat(out).equals(input)).toBe(true);
    expect(largestHeld).toBe(input.length - 70_000);
  });

  it('passes a statement line over 1 MiB on unchanged', async () => {
    const line = `-- ${'x'.repeat(1024 * 1024 + 10)} DEFINER=\`gone\`@\`%\`\n`;
    const output = await rewrite(Buffer.from(line), missing, 65_536);
    expect(output.toString()).toBe(line);
  });
});

describe('rewriteStatementLine', () => {
  it('removes the qualifier of each sequence function form, and only for the source database', () => {
    const pattern = sequenceQualifierPattern('src', 'text');
    expect(
      rewriteStatementLine(
        'a nextval(`src`.`s`), LASTVAL(`src`.`s`), setval(`src`.`s`, 5), NEXT VALUE FOR `src`.`s`, PREVIOUS VALUE FOR `src`.`s`, nextval(`src2`.`s`), nextval(`other`.`s`)',
        pattern,
        new Set(),
      ),
    ).toBe('a nextval(`s`), LASTVAL(`s`), setval(`s`, 5), NEXT VALUE FOR `s`, PREVIOUS VALUE FOR `s`, nextval(`src2`.`s`), nextval(`other`.`s`)');
  });

  it('matches definers exactly, backquotes doubled', () => {
    const account = definerClause({ user: 'we`ird', host: '10.0.%' });
    expect(account).toBe('`we``ird`@`10.0.%`');
    expect(rewriteStatementLine('CREATE DEFINER=`we``ird`@`10.0.%` VIEW', null, new Set([account]))).toBe('CREATE DEFINER=CURRENT_USER VIEW');
    expect(rewriteStatementLine('CREATE DEFINER=`we``ird`@`10.0.1` VIEW', null, new Set([account]))).toBe('CREATE DEFINER=`we``ird`@`10.0.1` VIEW');
  });
});
