import { describe, expect, it } from '@jest/globals';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MysqlTableFilter, renamedTrigger, type TableFilterOptions } from './mysql-table-filter.js';

async function filter(input: string, options: TableFilterOptions, chunkSize = 4096): Promise<string> {
  const bytes = Buffer.from(input, 'utf8');
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkSize) chunks.push(bytes.subarray(offset, offset + chunkSize));
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    new MysqlTableFilter(options),
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(out).toString('utf8');
}

const PREAMBLE = [
  '/*M!999999\\- enable the sandbox mode */ ',
  '-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)',
  '',
  '/*!40101 SET NAMES utf8mb4 */;',
  '/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;',
  '',
];
const TABLE_A = [
  '--',
  '-- Table structure for table `a`',
  '--',
  '',
  'DROP TABLE IF EXISTS `a`;',
  'CREATE TABLE `a` (',
  '  `id` int(11) NOT NULL AUTO_INCREMENT,',
  '  PRIMARY KEY (`id`)',
  ') ENGINE=InnoDB AUTO_INCREMENT=3;',
  '',
  '--',
  '-- Dumping data for table `a`',
  '--',
  '',
  '/*!40000 ALTER TABLE `a` DISABLE KEYS */;',
  'INSERT INTO `a` VALUES',
  '(1),',
  '(2);',
  '/*!40000 ALTER TABLE `a` ENABLE KEYS */;',
  '',
];
const B_STRUCTURE = [
  '--',
  '-- Table structure for table `bé`',
  '--',
  '',
  'DROP TABLE IF EXISTS `bé`;',
  '/*!40101 SET character_set_client = utf8mb4 */;',
  'CREATE TABLE `bé` (',
  '  `id` int(11) NOT NULL,',
  '  `a_id` int(11) DEFAULT NULL,',
  '  `note` text DEFAULT NULL,',
  '  PRIMARY KEY (`id`),',
  '  KEY `fk_b_a` (`a_id`),',
  '  CONSTRAINT `chk` CHECK (`id` > 0),',
  '  CONSTRAINT `fk_b_a` FOREIGN KEY (`a_id`) REFERENCES `a` (`id`)',
  ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;',
  '/*!40101 SET character_set_client = @saved_cs_client */;',
  '',
];
const B_DATA_HEADER = ['--', '-- Dumping data for table `bé`', '--', ''];
const B_ROWS = [
  '/*!40000 ALTER TABLE `bé` DISABLE KEYS */;',
  'INSERT INTO `bé` VALUES',
  "(1,1,'INSERT INTO `bé` VALUES\\n-- Table structure for table `a`'),",
  "(2,NULL,'CREATE TABLE `bé` (');",
  '/*!40000 ALTER TABLE `bé` ENABLE KEYS */;',
];
const B_TRIGGER = [
  '/*!50003 SET sql_mode              = \'STRICT_TRANS_TABLES\' */ ;',
  'DELIMITER ;;',
  '/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`127.0.0.1`*/ /*!50003 TRIGGER bé_ins BEFORE INSERT ON bé FOR EACH ROW SET NEW.note = \'bé\' ',
  '*/;;',
  'DELIMITER ;',
  '/*!50003 SET sql_mode              = @saved_sql_mode */ ;',
  '',
];
const VIEW_AND_ROUTINES = [
  '--',
  '-- Temporary table structure for view `vb`',
  '--',
  '',
  'DROP TABLE IF EXISTS `vb`;',
  '/*!50001 CREATE VIEW `vb` AS SELECT',
  ' NULL AS `id` */;',
  '',
  '--',
  '-- Dumping routines for database \'shop\'',
  '--',
  'DELIMITER ;;',
  'CREATE DEFINER=`root`@`127.0.0.1` PROCEDURE `p`()',
  'BEGIN',
  '-- Table structure for table `bé`',
  'DROP TABLE IF EXISTS `bé`; END',
  ';;',
  'DELIMITER ;',
  '',
  '--',
  '-- Final view structure for view `vb`',
  '--',
  '',
  '/*!50001 VIEW `vb` AS select `bé`.`id` AS `id` from `bé` */;',
  '/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;',
  '',
  '-- Dump completed',
  '',
];
const DUMP = [...PREAMBLE, ...TABLE_A, ...B_STRUCTURE, ...B_DATA_HEADER, ...B_ROWS, ...B_TRIGGER, ...VIEW_AND_ROUTINES].join('\n');

/** `bé`'s structure as restored: no DROP TABLE, no foreign key (and no comma left before the closing line). */
const B_KEPT_STRUCTURE = [
  '--',
  '-- Table structure for table `bé`',
  '--',
  '',
  '/*!40101 SET character_set_client = utf8mb4 */;',
  'CREATE TABLE `bé` (',
  '  `id` int(11) NOT NULL,',
  '  `a_id` int(11) DEFAULT NULL,',
  '  `note` text DEFAULT NULL,',
  '  PRIMARY KEY (`id`),',
  '  KEY `fk_b_a` (`a_id`),',
  '  CONSTRAINT `chk` CHECK (`id` > 0)',
  ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;',
  '/*!40101 SET character_set_client = @saved_cs_client */;',
  '',
];

describe('MysqlTableFilter', () => {
  it("keeps the preamble and the named table's structure, rows and triggers; drops DROP TABLE, foreign keys, other tables, views and routines", async () => {
    const expected = [...PREAMBLE, ...B_KEPT_STRUCTURE, ...B_DATA_HEADER, ...B_ROWS, ...B_TRIGGER, '--', ''].join('\n');
    expect(await filter(DUMP, { tables: new Map([['bé', 'bé']]), data: true })).toBe(expected);
  });

  it('gives the same output whatever the chunk sizes', async () => {
    const options = { tables: new Map([['bé', 'bé_old']]), data: true };
    const whole = await filter(DUMP, options);
    for (const size of [1, 3, 17, 64]) expect(await filter(DUMP, options, size)).toBe(whole);
  });

  it('without data keeps the definition and the triggers, not the INSERTs nor their DISABLE/ENABLE KEYS', async () => {
    const expected = [...PREAMBLE, ...B_KEPT_STRUCTURE, ...B_DATA_HEADER, ...B_TRIGGER, '--', ''].join('\n');
    expect(await filter(DUMP, { tables: new Map([['bé', 'bé']]), data: false })).toBe(expected);
  });

  it('renames the table in the statement headers and its trigger, never in the rows', async () => {
    const output = await filter(DUMP, { tables: new Map([['bé', 'bé_old']]), data: true });
    const renamed = (lines: string[]) => lines.join('\n');
    expect(output).toContain(renamed(['CREATE TABLE `bé_old` (', '  `id` int(11) NOT NULL,']));
    expect(output).toContain(
      renamed([
        '/*!40000 ALTER TABLE `bé_old` DISABLE KEYS */;',
        'INSERT INTO `bé_old` VALUES',
        "(1,1,'INSERT INTO `bé` VALUES\\n-- Table structure for table `a`'),",
        "(2,NULL,'CREATE TABLE `bé` (');",
        '/*!40000 ALTER TABLE `bé_old` ENABLE KEYS */;',
      ]),
    );
    expect(output).toContain("/*!50003 TRIGGER `bé_old_ins` BEFORE INSERT ON `bé_old` FOR EACH ROW SET NEW.note = 'bé' \n*/;;");
    const statements = output.split('\n').filter((line) => !line.startsWith('(') && !line.startsWith('--'));
    expect(statements.join('\n')).not.toMatch(/`bé`|ON bé /);
  });

  it('keeps several tables, and a table whose rows fill long lines streams them whole', async () => {
    const long = `(1,'${'x'.repeat(200_000)}');`;
    const dump = DUMP.replace('INSERT INTO `a` VALUES\n(1),\n(2);', `INSERT INTO \`a\` VALUES ${long}`);
    const output = await filter(dump, { tables: new Map([['a', 'a'], ['bé', 'bé']]), data: true }, 1000);
    expect(output).toContain(`/*!40000 ALTER TABLE \`a\` DISABLE KEYS */;\nINSERT INTO \`a\` VALUES ${long}\n`);
    expect(output).toContain('CREATE TABLE `bé` (');
    expect(output).not.toContain('DROP TABLE');
  });

  it('keeps nothing but the preamble (and a comment line) when no table matches', async () => {
    expect(await filter(DUMP, { tables: new Map([['vb', 'vb']]), data: true })).toBe([...PREAMBLE, '--', ''].join('\n'));
  });
});

describe('renamedTrigger', () => {
  it("replaces the table's name inside the trigger's, else puts the new table's name before it", () => {
    expect(renamedTrigger('orders_label', 'orders', 'orders_old')).toBe('orders_old_label');
    expect(renamedTrigger('trim_label', 'orders', 'orders_old')).toBe('orders_old_trim_label');
  });

  it('refuses a name longer than 64 characters', () => {
    expect(() => renamedTrigger('t'.repeat(60), 'orders', 'orders_old')).toThrow(/longer than 64 characters/);
  });
});
