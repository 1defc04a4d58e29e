import * as assert from 'assert/strict';
import { FillContext, RECORD_NAME, REPLAY_NAME, fillDefaults, validateConfiguration } from '../../src/config';

function context(hasWorkspaceFolder: boolean, program?: string): FillContext & { asked: number } {
    const ctx = {
        hasWorkspaceFolder,
        asked: 0,
        askProgram: async () => {
            ctx.asked += 1;
            return program;
        },
    };
    return ctx;
}

describe('fillDefaults (before variable substitution)', () => {
    it('turns F5 without launch.json into "Record and debug" for the program the user names', async () => {
        const ctx = context(true, ' ./build/loop ');
        const filled = await fillDefaults({}, ctx);
        assert.equal(ctx.asked, 1);
        assert.deepEqual(filled, {
            type: 'rewind',
            request: 'launch',
            name: RECORD_NAME,
            program: './build/loop',
            cwd: '${workspaceFolder}',
        });
    });

    it('treats a configuration with empty type, request and name as empty', async () => {
        const ctx = context(false, 'loop');
        const filled = await fillDefaults({ type: '', request: '', name: '' }, ctx);
        assert.equal(ctx.asked, 1);
        assert.deepEqual(filled, { type: 'rewind', request: 'launch', name: RECORD_NAME, program: 'loop' });
    });

    it('stops when the user cancels or names no program', async () => {
        assert.equal(await fillDefaults({}, context(true, undefined)), undefined);
        assert.equal(await fillDefaults({}, context(true, '  ')), undefined);
    });

    it('gives a recording launch the workspace folder as cwd, and keeps a given cwd', async () => {
        const base = { type: 'rewind', request: 'launch', name: 'x', program: 'a.out' };
        assert.equal((await fillDefaults(base, context(true)))?.cwd, '${workspaceFolder}');
        assert.equal((await fillDefaults({ ...base, cwd: '/tmp' }, context(true)))?.cwd, '/tmp');
        assert.equal((await fillDefaults(base, context(false)))?.cwd, undefined);
    });

    it('adds no cwd to a replay, and names configurations that have no name', async () => {
        const replay = await fillDefaults({ type: 'rewind', request: 'launch', trace: '/r' }, context(true));
        assert.equal(replay?.cwd, undefined);
        assert.equal(replay?.name, REPLAY_NAME);
        const attach = await fillDefaults({ type: 'rewind', request: 'attach', trace: '/r' }, context(true));
        assert.equal(attach?.name, REPLAY_NAME);
    });

    it('does not ask for a program when the configuration exists', async () => {
        const ctx = context(true, 'never');
        await fillDefaults({ type: 'rewind', request: 'launch', name: 'n', trace: '/r' }, ctx);
        assert.equal(ctx.asked, 0);
    });
});

describe('validateConfiguration (after variable substitution)', () => {
    const launch = { type: 'rewind', request: 'launch', name: 'Loop' };

    it('accepts a launch that records a program, with every documented attribute', () => {
        const config = {
            ...launch,
            program: '/w/loop',
            args: ['-v', 'x'],
            cwd: '/w',
            env: { A: '1', B: null },
            stopOnEntry: true,
            traceDir: '/w/recordings/loop-1',
        };
        const result = validateConfiguration(config);
        assert.ok(result.ok);
        assert.deepEqual(result.config, config);
    });

    it('accepts a launch or an attach that replays a recording', () => {
        assert.ok(validateConfiguration({ ...launch, trace: '/r/loop-1' }).ok);
        assert.ok(validateConfiguration({ type: 'rewind', request: 'attach', name: 'a', trace: '/r' }).ok);
    });

    it('refuses a launch with neither program nor trace, naming both fields', () => {
        const result = validateConfiguration({ ...launch, args: [] });
        assert.ok(!result.ok);
        assert.match(result.message, /^rewind: "Loop": /);
        assert.match(result.message, /"program"/);
        assert.match(result.message, /"trace"/);
        assert.match(result.message, /neither/);
    });

    it('refuses an attach without trace, or with launch-only attributes', () => {
        const bare = validateConfiguration({ type: 'rewind', request: 'attach', name: 'a' });
        assert.ok(!bare.ok);
        assert.match(bare.message, /needs "trace"/);
        const extra = validateConfiguration({ type: 'rewind', request: 'attach', name: 'a', trace: '/r', program: 'x' });
        assert.ok(!extra.ok);
        assert.match(extra.message, /"program"/);
    });

    it('refuses "traceDir" without a program to record', () => {
        const result = validateConfiguration({ ...launch, trace: '/r', traceDir: '/t' });
        assert.ok(!result.ok);
        assert.match(result.message, /"traceDir".*no "program"/);
    });

    it('names each mistyped attribute', () => {
        const result = validateConfiguration({
            ...launch,
            program: '',
            args: 'one two',
            env: { A: 1 },
            stopOnEntry: 'yes',
            cwd: 3,
        });
        assert.ok(!result.ok);
        for (const key of ['program', 'args', 'env', 'stopOnEntry', 'cwd']) {
            assert.match(result.message, new RegExp(`"${key}" must be`));
        }
    });

    it('refuses an unknown request or type', () => {
        const request = validateConfiguration({ ...launch, request: 'run', program: 'x' });
        assert.ok(!request.ok);
        assert.match(request.message, /"request" must be "launch"/);
        const type = validateConfiguration({ ...launch, type: 'cppdbg', program: 'x' });
        assert.ok(!type.ok);
        assert.match(type.message, /"type" must be "rewind"/);
    });

    it('says "this configuration" when there is no name', () => {
        const result = validateConfiguration({ type: 'rewind', request: 'launch' });
        assert.ok(!result.ok);
        assert.match(result.message, /^rewind: this configuration: /);
    });
});
