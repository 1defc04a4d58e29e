import * as assert from 'assert/strict';
import { COMMANDS, RewindCommands } from '../../src/commands';
import { StatusView, TimelineStatus } from '../../src/tracker';
import { callsOf, reset, state } from '../stub/vscode';

/** A rewind session answering custom requests from a table. */
class FakeSession {
    type = 'rewind';
    readonly requests: { command: string; args: unknown }[] = [];
    constructor(
        readonly id: string,
        private readonly answers: Record<string, unknown> = {},
    ) {}
    async customRequest(command: string, args?: unknown): Promise<unknown> {
        this.requests.push({ command, args });
        const answer = this.answers[command];
        if (answer instanceof Error) {
            throw answer;
        }
        return answer;
    }
}

const hiddenView: StatusView = { show: () => undefined, hide: () => undefined };
const timeline = { eventCount: 900, currentEvent: 120, complete: true, bookmarks: [{ id: 3, name: 'loop start', event: 40 }] };

function setUp(session?: FakeSession): { commands: RewindCommands; status: TimelineStatus } {
    reset();
    const status = new TimelineStatus(hiddenView);
    const commands = new RewindCommands(status);
    commands.register();
    state.activeDebugSession = session;
    return { commands, status };
}

describe('commands (stubbed vscode)', () => {
    it('registers the four commands of package.json', () => {
        setUp();
        assert.deepEqual([...state.commands.keys()].sort(), Object.values(COMMANDS).sort());
    });

    it('says so when no rewind session is active', async () => {
        setUp(Object.assign(new FakeSession('x'), { type: 'cppdbg' }));
        await state.commands.get(COMMANDS.reverseStepIn)?.();
        const [shown] = callsOf('showErrorMessage');
        assert.match(String(shown?.[0]), /no rewind debug session is active/);
    });

    it('reverse-steps the thread of the last stop', async () => {
        const session = new FakeSession('s1');
        const { status } = setUp(session);
        status.trackerFor(session).onDidSendMessage({ type: 'event', event: 'stopped', body: { reason: 'step', threadId: 77 } });
        await state.commands.get(COMMANDS.reverseStepIn)?.();
        await state.commands.get(COMMANDS.reverseStepOut)?.();
        const moves = session.requests.filter((r) => r.command !== 'timeline');
        assert.deepEqual(moves, [
            { command: 'reverseStepIn', args: { threadId: 77 } },
            { command: 'reverseStepOut', args: { threadId: 77 } },
        ]);
    });

    it('prefers the thread focused in the Call Stack view, else the first thread', async () => {
        const session = new FakeSession('s1', { threads: { threads: [{ id: 5, name: 'main' }, { id: 6, name: 't' }] } });
        setUp(session);
        await state.commands.get(COMMANDS.reverseStepOut)?.();
        state.activeStackItem = { session: { id: 's1' }, threadId: 6, frameId: 1 };
        await state.commands.get(COMMANDS.reverseStepOut)?.();
        assert.deepEqual(session.requests, [
            { command: 'threads', args: undefined },
            { command: 'reverseStepOut', args: { threadId: 5 } },
            { command: 'reverseStepOut', args: { threadId: 6 } },
        ]);
    });

    it('reports a refused request', async () => {
        const session = new FakeSession('s1', { reverseStepIn: new Error('at the start of the recording') });
        const { status } = setUp(session);
        status.trackerFor(session).onDidSendMessage({ type: 'event', event: 'stopped', body: { reason: 'step', threadId: 1 } });
        await state.commands.get(COMMANDS.reverseStepIn)?.();
        const [shown] = callsOf('showErrorMessage');
        assert.equal(shown?.[0], 'rewind: Reverse Step In failed: at the start of the recording');
    });

    it('Go to Event… travels to a typed event number, validating it against the timeline', async () => {
        const session = new FakeSession('s1', { timeline: { ...timeline, bookmarks: [] } });
        setUp(session);
        state.inputAnswers = ['450'];
        await state.commands.get(COMMANDS.gotoEvent)?.();
        const [options] = callsOf('showInputBox')[0] as [{ value: string; validateInput: (t: string) => unknown }];
        assert.equal(options.value, '120');
        assert.equal(options.validateInput('900'), undefined);
        assert.match(String(options.validateInput('901')), /0 to 900/);
        assert.equal(callsOf('showQuickPick').length, 0);
        assert.deepEqual(session.requests, [
            { command: 'timeline', args: undefined },
            { command: 'gotoEvent', args: { event: 450 } },
        ]);
    });

    it('Go to Event… offers the bookmarks first', async () => {
        const session = new FakeSession('s1', { timeline });
        setUp(session);
        state.quickPickAnswers = [1];
        await state.commands.get(COMMANDS.gotoEvent)?.();
        const [items] = callsOf('showQuickPick')[0] as [{ label: string; description: string }[]];
        assert.equal(items.length, 2);
        assert.match(items[1]?.label ?? '', /loop start/);
        assert.equal(items[1]?.description, 'event 40');
        assert.deepEqual(session.requests.at(-1), { command: 'gotoEvent', args: { bookmark: 3 } });

        session.requests.length = 0;
        state.quickPickAnswers = [0];
        state.inputAnswers = ['7'];
        await state.commands.get(COMMANDS.gotoEvent)?.();
        assert.deepEqual(session.requests.at(-1), { command: 'gotoEvent', args: { event: 7 } });

        session.requests.length = 0;
        state.quickPickAnswers = [undefined];
        await state.commands.get(COMMANDS.gotoEvent)?.();
        assert.deepEqual(session.requests, [{ command: 'timeline', args: undefined }]);
    });

    it('Go to Event takes a target as argument (for keybindings) without asking', async () => {
        const session = new FakeSession('s1');
        setUp(session);
        await state.commands.get(COMMANDS.gotoEvent)?.({ event: 0 });
        await state.commands.get(COMMANDS.gotoEvent)?.({ bookmark: 2 });
        assert.deepEqual(session.requests, [
            { command: 'gotoEvent', args: { event: 0 } },
            { command: 'gotoEvent', args: { bookmark: 2 } },
        ]);
        assert.equal(callsOf('showInputBox').length, 0);
    });

    it('Add Bookmark names the position and reports the bookmark', async () => {
        const session = new FakeSession('s1', { bookmark: { id: 4, name: 'here', event: 120 } });
        setUp(session);
        state.inputAnswers = [' here '];
        await state.commands.get(COMMANDS.addBookmark)?.();
        assert.deepEqual(session.requests[0], { command: 'bookmark', args: { name: 'here' } });
        const [shown] = callsOf('showInformationMessage');
        assert.equal(shown?.[0], 'rewind: bookmark "here" (id 4) at event 120.');
    });

    it('Add Bookmark without a name sends no name; cancelling sends nothing', async () => {
        const session = new FakeSession('s1', { bookmark: { id: 1, name: '', event: 9 } });
        setUp(session);
        state.inputAnswers = ['', undefined];
        await state.commands.get(COMMANDS.addBookmark)?.();
        await state.commands.get(COMMANDS.addBookmark)?.();
        assert.deepEqual(session.requests, [{ command: 'bookmark', args: {} }]);
        assert.match(String(callsOf('showInformationMessage')[0]?.[0]), /"bookmark 1" \(id 1\) at event 9/);
    });
});
