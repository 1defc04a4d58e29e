import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { RewindAdapterFactory } from '../../src/factory';
import { RewindConfigurationProvider } from '../../src/provider';
import { callsOf, reset, state } from '../stub/vscode';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function folder(fsPath: string): vscode.WorkspaceFolder {
    return { uri: vscode.Uri.file(fsPath), name: path.basename(fsPath), index: 0 };
}

function session(workspaceFolder?: vscode.WorkspaceFolder): vscode.DebugSession {
    return { id: 's', type: 'rewind', name: 'n', workspaceFolder, configuration: { type: 'rewind', request: 'launch', name: 'n' } } as unknown as vscode.DebugSession;
}

describe('adapter factory and configuration provider (stubbed vscode)', () => {
    let dir: string;
    let exe: string;
    let env: () => { env: Record<string, string | undefined>; homeDir: string };

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rewind-factory-'));
        exe = path.join(dir, 'rewind');
        fs.writeFileSync(exe, '#!/bin/sh\n');
        fs.chmodSync(exe, 0o755);
        env = () => ({ env: { PATH: dir }, homeDir: dir });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    beforeEach(reset);

    describe('RewindAdapterFactory', () => {
        it('runs "<rewind on PATH> dap" in the workspace folder', () => {
            const factory = new RewindAdapterFactory(env);
            const descriptor = factory.createDebugAdapterDescriptor(session(folder('/w')));
            assert.ok(descriptor instanceof vscode.DebugAdapterExecutable);
            assert.equal(descriptor.command, exe);
            assert.deepEqual(descriptor.args, ['dap']);
            assert.deepEqual(descriptor.options, { cwd: '/w' });
        });

        it('reads rewind.adapterPath for the session\'s folder', () => {
            state.settings['rewind.adapterPath'] = exe;
            const factory = new RewindAdapterFactory(() => ({ env: { PATH: '' }, homeDir: dir }));
            const descriptor = factory.createDebugAdapterDescriptor(session(undefined));
            assert.ok(descriptor instanceof vscode.DebugAdapterExecutable);
            assert.equal(descriptor.command, exe);
            assert.deepEqual(descriptor.options, {});
            assert.deepEqual(callsOf('getConfiguration')[0], ['rewind', undefined]);
        });

        it('throws and shows a message naming the setting when the adapter is missing', async () => {
            state.settings['rewind.adapterPath'] = path.join(dir, 'missing');
            state.errorAnswers = ['Open Settings'];
            const factory = new RewindAdapterFactory(env);
            assert.throws(() => factory.createDebugAdapterDescriptor(session(undefined)), /\(setting "rewind\.adapterPath"\) does not exist/);
            await tick();
            const [shown] = callsOf('showErrorMessage');
            assert.ok(shown);
            assert.match(String(shown[0]), /does not exist/);
            assert.match(String(shown[0]), /"rewind\.adapterPath"/);
            assert.deepEqual(callsOf('executeCommand'), [['workbench.action.openSettings', 'rewind.adapterPath']]);
        });
    });

    describe('RewindConfigurationProvider', () => {
        it('fills an F5 configuration from the program the user names', async () => {
            // With no launch.json, VS Code hands over an empty configuration.
            state.inputAnswers = ['./loop'];
            const provider = new RewindConfigurationProvider(env);
            const empty = await provider.resolveDebugConfiguration(folder('/w'), {} as vscode.DebugConfiguration);
            assert.equal(callsOf('showInputBox').length, 1);
            assert.deepEqual(empty, {
                type: 'rewind',
                request: 'launch',
                name: 'Record and debug a program',
                program: './loop',
                cwd: '${workspaceFolder}',
            });
        });

        it('gives up quietly (undefined) when the user cancels the program prompt', async () => {
            state.inputAnswers = [undefined];
            const provider = new RewindConfigurationProvider(env);
            assert.equal(await provider.resolveDebugConfiguration(undefined, {} as vscode.DebugConfiguration), undefined);
        });

        it('passes a valid configuration when the adapter is found', async () => {
            const provider = new RewindConfigurationProvider(env);
            const config = { type: 'rewind', request: 'launch', name: 'Loop', program: '/w/loop', stopOnEntry: true };
            assert.deepEqual(provider.resolveDebugConfigurationWithSubstitutedVariables(undefined, config), config);
            assert.equal(callsOf('showErrorMessage').length, 0);
        });

        it('refuses a launch with neither program nor trace: a clear message, and launch.json opens (null)', async () => {
            const provider = new RewindConfigurationProvider(env);
            const result = provider.resolveDebugConfigurationWithSubstitutedVariables(undefined, {
                type: 'rewind',
                request: 'launch',
                name: 'Loop',
            });
            assert.equal(result, null);
            const [shown] = callsOf('showErrorMessage');
            assert.ok(shown);
            assert.match(String(shown[0]), /"program".*"trace"/);
        });

        it('stops (undefined) with a message naming rewind.adapterPath when rewind is not on PATH', async () => {
            const provider = new RewindConfigurationProvider(() => ({ env: { PATH: '/nonexistent' }, homeDir: dir }));
            const result = provider.resolveDebugConfigurationWithSubstitutedVariables(undefined, {
                type: 'rewind',
                request: 'launch',
                name: 'Loop',
                trace: '/r',
            });
            assert.equal(result, undefined);
            const [shown] = callsOf('showErrorMessage');
            assert.ok(shown);
            assert.match(String(shown[0]), /cannot find the debug adapter "rewind".*"rewind\.adapterPath"/);
            assert.equal(shown[1], 'Open Settings');
        });
    });
});
