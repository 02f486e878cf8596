import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { scanMysqlDumpContents } from './mysql-dump-contents.js';

const DUMP = `-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
DROP TABLE IF EXISTS \`Album\`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
CREATE TABLE \`Album\` (
  \`AlbumId\` int(11) NOT NULL,
  PRIMARY KEY (\`AlbumId\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO \`Album\` VALUES (1,'CREATE TABLE \`Fake\` (x int)'),(2,'b');
CREATE SEQUENCE \`s\` start with 1 minvalue 1 maxvalue 9223372036854775806 increment by 1 cache 1000 nocycle ENGINE=InnoDB;
/*!50001 CREATE VIEW \`TopTracks\` AS SELECT
 1 AS \`TrackId\`,
 1 AS \`Name\` */;
CREATE TABLE \`Odd\`\`Name\` (
  \`a\` int
);
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=\`root\`@\`localhost\`*/ /*!50003 TRIGGER GenreName BEFORE INSERT ON Genre FOR EACH ROW SET NEW.Name = TRIM(NEW.Name) */;;
/*!50003 CREATE*/ /*!50017 DEFINER=\`root\`@\`localhost\`*/ /*!50003 TRIGGER \`GenreName\` BEFORE INSERT ON \`Genre\` FOR EACH ROW SET NEW.Name = TRIM(NEW.Name) */;;
DELIMITER ;
DELIMITER ;;
/*!50106 CREATE*/ /*!50117 DEFINER=\`root\`@\`localhost\`*/ /*!50106 EVENT \`Nightly\` ON SCHEDULE EVERY 1 DAY STARTS '2026-01-01 00:00:00' ON COMPLETION NOT PRESERVE DISABLE DO DELETE FROM Playlist WHERE 1 = 0 */ ;;
DELIMITER ;
DELIMITER ;;
CREATE DEFINER=\`root\`@\`localhost\` FUNCTION \`TrackCount\`() RETURNS int(11)
    READS SQL DATA
BEGIN
CREATE TEMPORARY TABLE \`scratch\` (a int);
RETURN (SELECT COUNT(*) FROM Track);
END ;;
DELIMITER ;
DELIMITER ;;
CREATE DEFINER=\`root\`@\`localhost\` PROCEDURE \`ArtistCount\`()
SELECT COUNT(*) FROM Artist ;;
DELIMITER ;
/*!50001 DROP VIEW IF EXISTS \`TopTracks\`*/;
/*!50001 CREATE ALGORITHM=UNDEFINED */
/*!50013 DEFINER=\`root\`@\`localhost\` SQL SECURITY DEFINER */
/*!50001 VIEW \`TopTracks\` AS select \`Track\`.\`TrackId\` AS \`TrackId\` from \`Track\` */;
-- Dump completed on 2026-11-26  3:00:00
`;

/** The dump in chunks of `size` bytes, so that lines and names are cut across chunks. */
function chunked(text: string, size: number): Readable {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += size) chunks.push(bytes.subarray(start, start + size));
  return Readable.from(chunks);
}

describe('scanMysqlDumpContents', () => {
  it.each([1, 7, 64 * 1024])('lists what the dump creates, read in chunks of %i bytes', async (size) => {
    const objects = await scanMysqlDumpContents(chunked(DUMP, size), new AbortController().signal);
    expect(objects.map(({ kind, name }) => `${kind} ${name}`).sort()).toEqual([
      'event Nightly',
      'function TrackCount',
      'procedure ArtistCount',
      'sequence s',
      'table Album',
      'table Odd`Name',
      'trigger GenreName',
      'view TopTracks',
    ]);
    expect(objects.every(({ schema }) => schema === null)).toBe(true);
  });

  it('keeps only the start of a huge data line', async () => {
    const huge = `CREATE TABLE \`T\` (\n  a int\n);\nINSERT INTO \`T\` VALUES ${'(1),'.repeat(2_000_000)}(1);\nCREATE TABLE \`U\` (\n  a int\n);\n`;
    const objects = await scanMysqlDumpContents(chunked(huge, 65536), new AbortController().signal);
    expect(objects.map(({ name }) => name)).toEqual(['T', 'U']);
  });
});
