import * as assert from 'assert/strict';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/commands';
import { activate } from '../../src/extension';
import { callsOf, reset, state } from '../stub/vscode';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface TrackerFactory {
    createDebugAdapterTracker(session: unknown): {
        onDidSendMessage(message: unknown): void;
        onWillReceiveMessage(message: unknown): void;
    };
}

describe('activate (stubbed vscode)', () => {
    beforeEach(reset);

    it('registers the factory, the provider, the tracker and the commands; disposes them all', () => {
        const subscriptions: { dispose(): unknown }[] = [];
        activate({ subscriptions } as unknown as vscode.ExtensionContext);
        assert.equal(callsOf('registerDebugAdapterDescriptorFactory')[0]?.[0], 'rewind');
        assert.equal(callsOf('registerDebugConfigurationProvider')[0]?.[0], 'rewind');
        assert.equal(callsOf('registerDebugAdapterTrackerFactory')[0]?.[0], 'rewind');
        assert.equal(callsOf('onDidChangeActiveDebugSession').length, 1);
        assert.deepEqual([...state.commands.keys()].sort(), Object.values(COMMANDS).sort());
        for (const disposable of subscriptions) {
            disposable.dispose();
        }
        assert.equal(state.commands.size, 0);
        assert.equal(state.statusItems[0]?.disposed, true);
    });

    it('shows "$(history) current / count" in the status bar while a session is stopped', async () => {
        activate({ subscriptions: [] } as unknown as vscode.ExtensionContext);
        const item = state.statusItems[0];
        assert.ok(item);
        assert.equal(item.command, 'rewind.gotoEvent');
        assert.equal(item.visible, false);

        const factory = callsOf('registerDebugAdapterTrackerFactory')[0]?.[1] as TrackerFactory;
        const requests: string[] = [];
        const session = {
            id: 's',
            type: 'rewind',
            customRequest: async (command: string) => {
                requests.push(command);
                return { eventCount: 56789, currentEvent: 1234, complete: true, bookmarks: [] };
            },
        };
        const tracker = factory.createDebugAdapterTracker(session);
        tracker.onDidSendMessage({ type: 'event', event: 'stopped', body: { reason: 'breakpoint', threadId: 1 } });
        await tick();
        assert.deepEqual(requests, ['timeline']);
        assert.equal(item.text, '$(history) 1234 / 56789');
        assert.equal(item.visible, true);
        tracker.onWillReceiveMessage({ type: 'request', command: 'continue', arguments: { threadId: 1 } });
        assert.equal(item.visible, false);
    });
});
