import * as assert from 'assert/strict';
import { SessionLike, StatusView, TimelineStatus, Tracker } from '../../src/tracker';

/** A session whose `timeline` answers are released by the test, one at a time. */
class FakeSession implements SessionLike {
    readonly requests: { command: string; args: unknown }[] = [];
    private readonly pending: ((body: unknown) => void)[] = [];
    failNext = false;

    constructor(readonly id: string) {}

    customRequest(command: string, args?: unknown): Promise<unknown> {
        this.requests.push({ command, args });
        if (this.failNext) {
            this.failNext = false;
            return Promise.reject(new Error('unknown request'));
        }
        return new Promise((resolve) => this.pending.push(resolve));
    }

    /** Answers the oldest pending request. */
    answer(body: unknown): void {
        const next = this.pending.shift();
        assert.ok(next, 'no pending request');
        next(body);
    }
}

class FakeView implements StatusView {
    text: string | undefined;
    tooltip = '';
    show(text: string, tooltip: string): void {
        this.text = text;
        this.tooltip = tooltip;
    }
    hide(): void {
        this.text = undefined;
    }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const stopped = (threadId = 7) => ({ type: 'event', seq: 1, event: 'stopped', body: { reason: 'breakpoint', threadId } });
const timeline = (currentEvent: number, eventCount = 500) => ({ eventCount, currentEvent, complete: true, bookmarks: [] });

describe('TimelineStatus (status bar from a DebugAdapterTracker)', () => {
    let view: FakeView;
    let status: TimelineStatus;
    let session: FakeSession;
    let tracker: Tracker;

    beforeEach(() => {
        view = new FakeView();
        status = new TimelineStatus(view);
        session = new FakeSession('s1');
        tracker = status.trackerFor(session);
    });

    it('asks for the timeline after each stop and shows "$(history) current / count"', async () => {
        tracker.onDidSendMessage(stopped());
        assert.deepEqual(session.requests, [{ command: 'timeline', args: undefined }]);
        assert.equal(view.text, undefined);
        session.answer(timeline(123));
        await tick();
        assert.equal(view.text, '$(history) 123 / 500');
        assert.match(view.tooltip, /123 of 500/);
        assert.deepEqual(status.timeline('s1'), { eventCount: 500, currentEvent: 123, complete: true, bookmarks: [] });
    });

    it('remembers the thread of the last stop', () => {
        assert.equal(status.lastStoppedThread('s1'), undefined);
        tracker.onDidSendMessage(stopped(4242));
        assert.equal(status.lastStoppedThread('s1'), 4242);
    });

    it('hides while the program moves: a movement request or a continued event', async () => {
        for (const hide of [
            () => tracker.onWillReceiveMessage({ type: 'request', seq: 9, command: 'reverseContinue', arguments: { threadId: 7 } }),
            () => tracker.onWillReceiveMessage({ type: 'request', seq: 9, command: 'reverseStepIn', arguments: { threadId: 7 } }),
            () => tracker.onWillReceiveMessage({ type: 'request', seq: 9, command: 'gotoEvent', arguments: { event: 3 } }),
            () => tracker.onDidSendMessage({ type: 'event', seq: 9, event: 'continued', body: { threadId: 7 } }),
        ]) {
            tracker.onDidSendMessage(stopped());
            session.answer(timeline(10));
            await tick();
            assert.equal(view.text, '$(history) 10 / 500');
            hide();
            assert.equal(view.text, undefined);
            assert.equal(status.timeline('s1'), undefined);
        }
    });

    it('stays shown for requests that do not move, and for the exited event at the end', async () => {
        tracker.onDidSendMessage(stopped());
        session.answer(timeline(500));
        await tick();
        tracker.onWillReceiveMessage({ type: 'request', seq: 3, command: 'stackTrace', arguments: { threadId: 7 } });
        tracker.onWillReceiveMessage({ type: 'request', seq: 4, command: 'bookmark', arguments: {} });
        tracker.onDidSendMessage({ type: 'event', seq: 5, event: 'exited', body: { exitCode: 0 } });
        tracker.onDidSendMessage({ type: 'response', seq: 6, request_seq: 3, command: 'stackTrace', success: true });
        assert.equal(view.text, '$(history) 500 / 500');
    });

    it('ignores a timeline answer that arrives after the program moved on', async () => {
        tracker.onDidSendMessage(stopped());
        tracker.onWillReceiveMessage({ type: 'request', seq: 2, command: 'continue', arguments: { threadId: 7 } });
        session.answer(timeline(1));
        await tick();
        assert.equal(view.text, undefined);
        tracker.onDidSendMessage(stopped());
        tracker.onDidSendMessage(stopped());
        session.answer(timeline(2)); // for the first of the two stops: stale
        await tick();
        assert.equal(view.text, undefined);
        session.answer(timeline(3));
        await tick();
        assert.equal(view.text, '$(history) 3 / 500');
    });

    it('hides when the timeline request fails or answers nonsense', async () => {
        session.failNext = true;
        tracker.onDidSendMessage(stopped());
        await tick();
        assert.equal(view.text, undefined);
        tracker.onDidSendMessage(stopped());
        session.answer({ nothing: true });
        await tick();
        assert.equal(view.text, undefined);
    });

    it('hides when the session terminates or its adapter exits', async () => {
        for (const end of [
            () => tracker.onDidSendMessage({ type: 'event', seq: 1, event: 'terminated' }),
            () => tracker.onWillStopSession(),
            () => tracker.onExit(0, undefined),
        ]) {
            session = new FakeSession('s1');
            tracker = status.trackerFor(session);
            tracker.onDidSendMessage(stopped());
            session.answer(timeline(5));
            await tick();
            assert.equal(view.text, '$(history) 5 / 500');
            end();
            assert.equal(view.text, undefined);
            assert.equal(status.lastStoppedThread('s1'), undefined);
        }
    });

    it('shows the active rewind session when several run', async () => {
        const other = new FakeSession('s2');
        const otherTracker = status.trackerFor(other);
        tracker.onDidSendMessage(stopped());
        session.answer(timeline(1));
        await tick();
        otherTracker.onDidSendMessage(stopped());
        other.answer(timeline(2));
        await tick();
        assert.equal(view.text, '$(history) 2 / 500');
        status.setActive('s1');
        assert.equal(view.text, '$(history) 1 / 500');
        status.setActive(undefined); // e.g. a non-rewind session became active
        assert.equal(view.text, undefined);
        status.setActive('s2');
        assert.equal(view.text, '$(history) 2 / 500');
        otherTracker.onExit(0, undefined);
        assert.equal(view.text, undefined);
    });
});
