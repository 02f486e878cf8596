import { describe, expect, it } from '@jest/globals';
import { parsePgContentsLine } from './pg-archive-contents.js';

describe('parsePgContentsLine (pg_restore --list)', () => {
  it('reads objects: kind, schema and name, the owner left out', () => {
    expect(parsePgContentsLine('216; 1259 16390 TABLE public album postgres')).toEqual({ kind: 'table', schema: 'public', name: 'album' });
    expect(parsePgContentsLine('5; 2615 2200 SCHEMA - public pg_database_owner')).toEqual({ kind: 'schema', schema: null, name: 'public' });
    expect(parsePgContentsLine('230; 1259 16500 MATERIALIZED VIEW public sales app')).toEqual({ kind: 'materialized view', schema: 'public', name: 'sales' });
    expect(parsePgContentsLine('231; 1255 16501 FUNCTION public add(integer, integer) app')).toEqual({ kind: 'function', schema: 'public', name: 'add(integer, integer)' });
    expect(parsePgContentsLine('3300; 2606 16420 FK CONSTRAINT public album fk_album_artist_id app')).toEqual({
      kind: 'foreign key',
      schema: 'public',
      name: 'album fk_album_artist_id',
    });
  });

  it('reads an extension, whose owner is empty', () => {
    expect(parsePgContentsLine('2; 3079 16384 EXTENSION - pgcrypto ')).toEqual({ kind: 'extension', schema: null, name: 'pgcrypto' });
  });

  it('skips data, sequence values, comments, ACLs and the header', () => {
    for (const line of [
      '3370; 0 16390 TABLE DATA public album postgres',
      '3380; 0 0 SEQUENCE SET public album_album_id_seq postgres',
      '218; 1259 16399 SEQUENCE OWNED BY public album_album_id_seq postgres',
      '3400; 0 0 COMMENT - EXTENSION pgcrypto ',
      '3401; 0 0 ACL - SCHEMA public pg_database_owner',
      '3402; 0 0 ENCODING - ENCODING  ',
      ';',
      '; Archive created at 2026-11-26 03:00:00 UTC',
      ';     dbname: chinook',
      '',
    ]) {
      expect(parsePgContentsLine(line)).toBeNull();
    }
  });
});
