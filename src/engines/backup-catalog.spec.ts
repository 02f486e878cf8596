import { describe, expect, it } from '@jest/globals';
import { type BackupManifest, compareManifests, describeDifferences } from './backup-catalog.js';

const manifest: BackupManifest = {
  tables: { 'public.a': 3, 'public.b': 0 },
  objects: { table: 2, index: 1 },
  sequences: { 'public.a_id_seq': '3' },
  consistency: 'snapshot',
};

describe('compareManifests', () => {
  it('passes an identical copy, with the totals it checked', () => {
    expect(compareManifests(manifest, structuredClone(manifest))).toEqual({
      status: 'passed',
      tables: 2,
      rows: 3,
      objects: 3,
      sequences: 1,
      consistency: 'snapshot',
      differences: [],
    });
  });

  it('names every table, object kind and sequence that differs, missing or extra, in order', () => {
    const copy: BackupManifest = {
      tables: { 'public.a': 2, 'public.c': 1 },
      objects: { table: 2, index: 0, trigger: 1 },
      sequences: { 'public.a_id_seq': '3 (not called)' },
      consistency: 'snapshot',
    };
    const { status, differences } = compareManifests(manifest, copy);
    expect(status).toBe('failed');
    expect(differences).toEqual([
      { kind: 'rows', name: 'public.a', expected: 3, actual: 2 },
      { kind: 'rows', name: 'public.b', expected: 0, actual: null },
      { kind: 'rows', name: 'public.c', expected: null, actual: 1 },
      { kind: 'objects', name: 'index', expected: 1, actual: 0 },
      { kind: 'objects', name: 'trigger', expected: null, actual: 1 },
      { kind: 'sequence', name: 'public.a_id_seq', expected: '3', actual: '3 (not called)' },
    ]);
    expect(describeDifferences(differences.slice(0, 2))).toBe('public.a rows: expected 3, found 2; public.b rows: expected 0, found none');
  });

  it('shows the first ten differences and counts the rest', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ kind: 'rows' as const, name: `t${i}`, expected: 1, actual: 0 }));
    const text = describeDifferences(many);
    expect(text.split('; ').length).toBe(11);
    expect(text.endsWith('t9 rows: expected 1, found 0; and 2 more')).toBe(true);
  });
});
