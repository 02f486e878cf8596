import { describe, expect, it } from '@jest/globals';
import { describeContents } from './backup-contents.js';

describe('describeContents', () => {
  const manifest = { tables: { 'public.album': 347, 'public.artist': 275 }, objects: {}, sequences: {}, consistency: 'snapshot' };

  it('sorts by kind, schema and name, and gives tables their rows from the manifest', () => {
    const objects = [
      { kind: 'index', schema: 'public', name: 'ifk_album' },
      { kind: 'table', schema: 'public', name: 'artist' },
      { kind: 'view', schema: 'public', name: 'long_tracks' },
      { kind: 'table', schema: 'public', name: 'album' },
      { kind: 'schema', schema: null, name: 'public' },
      { kind: 'table', schema: 'other', name: 'album' },
      { kind: 'cast', schema: null, name: 'x' },
    ];
    expect(describeContents(objects, manifest)).toEqual([
      { kind: 'schema', schema: null, name: 'public' },
      { kind: 'table', schema: 'other', name: 'album' },
      { kind: 'table', schema: 'public', name: 'album', rows: 347 },
      { kind: 'table', schema: 'public', name: 'artist', rows: 275 },
      { kind: 'view', schema: 'public', name: 'long_tracks' },
      { kind: 'index', schema: 'public', name: 'ifk_album' },
      { kind: 'cast', schema: null, name: 'x' },
    ]);
  });

  it('MySQL tables are keyed by name alone; without a manifest there are no counts', () => {
    const objects = [{ kind: 'table', schema: null, name: 'Album' }];
    expect(describeContents(objects, { ...manifest, tables: { Album: 347 } })).toEqual([{ kind: 'table', schema: null, name: 'Album', rows: 347 }]);
    expect(describeContents(objects, null)).toEqual([{ kind: 'table', schema: null, name: 'Album' }]);
  });
});
