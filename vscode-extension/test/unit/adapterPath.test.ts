import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ADAPTER_SETTING, findAdapter } from '../../src/adapterPath';

describe('findAdapter (the rewind.adapterPath setting)', () => {
    let dir: string;
    let bin: string;
    let exe: string;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rewind-adapter-path-'));
        bin = path.join(dir, 'bin');
        fs.mkdirSync(bin);
        exe = path.join(bin, 'rewind');
        fs.writeFileSync(exe, '#!/bin/sh\n');
        fs.chmodSync(exe, 0o755);
        fs.writeFileSync(path.join(bin, 'plain'), 'not executable');
        fs.chmodSync(path.join(bin, 'plain'), 0o644);
        fs.mkdirSync(path.join(bin, 'adir'));
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('finds the default "rewind" on PATH', () => {
        const env = { PATH: ['/nonexistent', bin].join(path.delimiter) };
        assert.deepEqual(findAdapter(undefined, { env }), { ok: true, path: exe });
        assert.deepEqual(findAdapter('rewind', { env }), { ok: true, path: exe });
        assert.deepEqual(findAdapter('  ', { env }), { ok: true, path: exe });
    });

    it('skips PATH entries that are empty, relative, or hold a non-executable or a directory', () => {
        const env = { PATH: ['', '.', 'bin', bin].join(path.delimiter) };
        assert.deepEqual(findAdapter('rewind', { env, baseDir: dir }), { ok: true, path: exe });
        assert.equal(findAdapter('plain', { env }).ok, false);
        assert.equal(findAdapter('adir', { env }).ok, false);
    });

    it('says clearly when rewind is not on PATH, naming the setting and PATH', () => {
        const result = findAdapter(undefined, { env: { PATH: '/usr/bin:/bin' } });
        assert.ok(!result.ok);
        assert.match(result.message, /cannot find the debug adapter "rewind"/);
        assert.ok(result.message.includes(`"${ADAPTER_SETTING}"`));
        assert.ok(result.message.includes('/usr/bin:/bin'));
        const empty = findAdapter(undefined, { env: {} });
        assert.ok(!empty.ok);
        assert.match(empty.message, /PATH is empty/);
    });

    it('takes a path as given: absolute, relative to the workspace folder, or under ~', () => {
        assert.deepEqual(findAdapter(exe, { env: {} }), { ok: true, path: exe });
        assert.deepEqual(findAdapter('bin/rewind', { env: {}, baseDir: dir }), { ok: true, path: exe });
        assert.deepEqual(findAdapter('./bin/rewind', { env: {}, baseDir: dir }), { ok: true, path: exe });
        assert.deepEqual(findAdapter('~/bin/rewind', { env: {}, homeDir: dir }), { ok: true, path: exe });
    });

    it('says whether a configured path is missing or not executable', () => {
        const missing = findAdapter(path.join(dir, 'nope', 'rewind'), { env: {} });
        assert.ok(!missing.ok);
        assert.match(missing.message, /does not exist/);
        assert.ok(missing.message.includes(ADAPTER_SETTING));
        const plain = findAdapter(path.join(bin, 'plain'), { env: {} });
        assert.ok(!plain.ok);
        assert.match(plain.message, /not an executable file/);
        const directory = findAdapter(bin + '/', { env: {} });
        assert.ok(!directory.ok);
        assert.match(directory.message, /not an executable file/);
    });
});
