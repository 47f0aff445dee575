import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TYPE_VALUE, makeInternalKey } from '../../../../shard/lsm/dbformat';
import { ManifestWriter, recoverManifest } from '../../../../shard/lsm/manifest';
import { pickCompaction } from '../../../../shard/lsm/compactionPicker';
import { Version } from '../../../../shard/lsm/version';
import { type VersionEdit, decodeEdit, encodeEdit } from '../../../../shard/lsm/versionEdit';
import { b, rmDir, tempDir } from './helpers';

const file = (number: number, lo: string, hi: string, size = 1000) => ({
  number,
  size,
  smallest: makeInternalKey(b(lo), 5, TYPE_VALUE),
  largest: makeInternalKey(b(hi), 3, TYPE_VALUE),
});

describe('lsm manifest and versions', () => {
  let dir = '';
  beforeEach(() => (dir = tempDir('manifest')));
  afterEach(() => rmDir(dir));

  it('version edits round-trip', () => {
    const e: VersionEdit = {
      logNumber: 7,
      nextFileNumber: 2 ** 40,
      lastSequence: 123456789,
      deleted: [{ level: 2, number: 9 }],
      added: [{ level: 1, file: file(11, 'a', 'm') }],
    };
    expect(decodeEdit(encodeEdit(e))).to.deep.equal(e);
    expect(decodeEdit(Buffer.from([99]))).to.be.a('string');
  });

  it('the state is rebuilt from the manifest CURRENT names, edits in order', async () => {
    const v0 = Version.empty().apply({
      deleted: [],
      added: [{ level: 0, file: file(3, 'a', 'c') }],
    });
    const m = ManifestWriter.create(dir, 4, v0, 2, 5, 10);
    let v = v0;
    await m.append(
      () => ({
        deleted: [{ level: 0, number: 3 }],
        added: [{ level: 1, file: file(6, 'a', 'c') }],
        nextFileNumber: 7,
      }),
      (e) => (v = v.apply(e)),
    );
    await m.close();
    expect(fs.readFileSync(path.join(dir, 'CURRENT'), 'utf8')).to.equal('MANIFEST-000004\n');
    const st = recoverManifest(dir);
    expect(st?.version.levels.map((l) => l.map((f) => f.number))).to.deep.equal([
      [],
      [6],
      [],
      [],
      [],
      [],
      [],
    ]);
    expect(st?.nextFileNumber).to.equal(7);
    expect(st?.logNumber).to.equal(2);
    expect(st?.lastSequence).to.equal(10);
    expect(v.levels[1][0].number).to.equal(6);
  });

  it('an edit that deletes a file the version lacks is refused', () => {
    expect(() => Version.empty().apply({ deleted: [{ level: 1, number: 5 }], added: [] })).to.throw(
      /file 5/,
    );
  });

  it('the picker compacts L0 by file count and a level by size', () => {
    const o = { l0CompactionTrigger: 4, levelBaseBytes: 10_000, levelMultiplier: 10 };
    let v = Version.empty();
    for (let i = 1; i <= 3; i++)
      v = v.apply({ deleted: [], added: [{ level: 0, file: file(i, 'a', 'z') }] });
    expect(pickCompaction(v, o, [])).to.equal(undefined);
    v = v.apply({
      deleted: [],
      added: [
        { level: 0, file: file(4, 'b', 'c') },
        { level: 1, file: file(5, 'x', 'y') },
      ],
    });
    const p = pickCompaction(v, o, []);
    expect(p?.level).to.equal(0);
    expect(p?.inputs).to.have.length(4);
    expect(p?.overlaps.map((f) => f.number)).to.deep.equal([5]);
    let w = Version.empty();
    w = w.apply({
      deleted: [],
      added: [
        { level: 1, file: file(8, 'a', 'b', 6000) },
        { level: 1, file: file(9, 'c', 'd', 6000) },
      ],
    });
    const q = pickCompaction(w, o, []);
    expect(q?.level).to.equal(1);
    expect(q?.trivialMove).to.equal(true);
    // Round robin: after compacting up to 'b', the next pick starts after it.
    expect(pickCompaction(w, o, [undefined, b('b')])?.inputs[0].number).to.equal(9);
  });
});
