/**
 * Follows rewind debug sessions through their DAP traffic (a DebugAdapterTracker per
 * session) to keep the status bar showing the current event of the recording while a
 * session is stopped, and to remember each session's last stopped thread for the
 * reverse-step commands. Free of the `vscode` module: sessions and the status bar are
 * reached through the small interfaces below.
 */
import { Timeline, parseTimeline, statusText, statusTooltip } from './timeline';

/** The part of a `vscode.DebugSession` this module uses. */
export interface SessionLike {
    readonly id: string;
    customRequest(command: string, args?: unknown): Thenable<unknown>;
}

/** The status-bar item. */
export interface StatusView {
    show(text: string, tooltip: string): void;
    hide(): void;
}

/** The callbacks of a `vscode.DebugAdapterTracker` that this module implements. */
export interface Tracker {
    onWillReceiveMessage(message: unknown): void;
    onDidSendMessage(message: unknown): void;
    onWillStopSession(): void;
    onExit(code: number | undefined, signal: string | undefined): void;
}

/** Requests that set the program moving (the status is hidden until the next stop). */
export const MOVEMENT_REQUESTS: ReadonlySet<string> = new Set([
    'continue',
    'next',
    'stepIn',
    'stepOut',
    'stepBack',
    'reverseContinue',
    'reverseStepIn',
    'reverseStepOut',
    'goto',
    'gotoEvent',
    'restart',
    'restartFrame',
]);

interface SessionState {
    session: SessionLike;
    stopped: boolean;
    /** Bumped at every stop and movement: a `timeline` answer for an older one is stale. */
    generation: number;
    threadId?: number;
    timeline?: Timeline;
}

function field(value: unknown, key: string): unknown {
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

export class TimelineStatus {
    private readonly sessions = new Map<string, SessionState>();
    /** The session the status bar shows: the last rewind session to stop, or the active one. */
    private shownId: string | undefined;

    constructor(private readonly view: StatusView) {}

    /** A tracker for a new rewind session. */
    trackerFor(session: SessionLike): Tracker {
        const state: SessionState = { session, stopped: false, generation: 0 };
        this.sessions.set(session.id, state);
        return {
            onWillReceiveMessage: (message) => {
                if (field(message, 'type') === 'request') {
                    const command = field(message, 'command');
                    if (typeof command === 'string' && MOVEMENT_REQUESTS.has(command)) {
                        this.running(state);
                    }
                }
            },
            onDidSendMessage: (message) => {
                if (field(message, 'type') !== 'event') {
                    return;
                }
                const body = field(message, 'body');
                switch (field(message, 'event')) {
                    case 'stopped': {
                        const threadId = field(body, 'threadId');
                        if (typeof threadId === 'number') {
                            state.threadId = threadId;
                        }
                        state.stopped = true;
                        state.generation += 1;
                        this.shownId = session.id;
                        void this.refresh(session.id);
                        break;
                    }
                    case 'continued':
                        this.running(state);
                        break;
                    case 'terminated':
                        this.end(session.id);
                        break;
                    default:
                        break;
                }
            },
            onWillStopSession: () => this.end(session.id),
            onExit: () => this.end(session.id),
        };
    }

    /** The thread of the session's last `stopped` event. */
    lastStoppedThread(sessionId: string): number | undefined {
        return this.sessions.get(sessionId)?.threadId;
    }

    /** The session's timeline as last fetched, while it is stopped. */
    timeline(sessionId: string): Timeline | undefined {
        const state = this.sessions.get(sessionId);
        return state?.stopped ? state.timeline : undefined;
    }

    /** The active debug session changed (`undefined`: none, or not a rewind one). */
    setActive(sessionId: string | undefined): void {
        this.shownId = sessionId !== undefined && this.sessions.has(sessionId) ? sessionId : undefined;
        this.render();
    }

    /**
     * Fetches the session's timeline (custom `timeline` request) and shows it, unless the
     * session moved on in the meantime. A failed request hides the status.
     */
    async refresh(sessionId: string): Promise<void> {
        const state = this.sessions.get(sessionId);
        if (!state?.stopped) {
            return;
        }
        const generation = state.generation;
        let timeline: Timeline | undefined;
        try {
            timeline = parseTimeline(await state.session.customRequest('timeline'));
        } catch {
            timeline = undefined;
        }
        if (!this.isCurrent(sessionId, state, generation)) {
            return;
        }
        state.timeline = timeline;
        this.render();
    }

    /** Whether the session is still tracked, stopped, and has not moved since `generation`. */
    private isCurrent(sessionId: string, state: SessionState, generation: number): boolean {
        return this.sessions.get(sessionId) === state && state.generation === generation && state.stopped;
    }

    private running(state: SessionState): void {
        state.stopped = false;
        state.generation += 1;
        state.timeline = undefined;
        this.render();
    }

    private end(sessionId: string): void {
        if (this.sessions.delete(sessionId) && this.shownId === sessionId) {
            this.shownId = undefined;
        }
        this.render();
    }

    private render(): void {
        const state = this.shownId === undefined ? undefined : this.sessions.get(this.shownId);
        if (state?.stopped && state.timeline !== undefined) {
            this.view.show(statusText(state.timeline), statusTooltip(state.timeline));
        } else {
            this.view.hide();
        }
    }
}
