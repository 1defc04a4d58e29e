/**
 * The commands wired to rewind's custom DAP requests (docs/dap.md): Reverse Step In,
 * Reverse Step Out, Go to Event… and Add Bookmark. Each acts on the active rewind
 * debug session.
 */
import * as vscode from 'vscode';
import { DEBUG_TYPE } from './config';
import { Timeline, bookmarkLabel, parseBookmark, parseEventInput, parseTimeline } from './timeline';
import { TimelineStatus } from './tracker';

export const COMMANDS = {
    reverseStepIn: 'rewind.reverseStepIn',
    reverseStepOut: 'rewind.reverseStepOut',
    gotoEvent: 'rewind.gotoEvent',
    addBookmark: 'rewind.addBookmark',
} as const;

function field(value: unknown, key: string): unknown {
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function errorText(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

/** The active debug session if it is a rewind one; else says so and returns `undefined`. */
export function activeRewindSession(): vscode.DebugSession | undefined {
    const session = vscode.debug.activeDebugSession;
    if (session?.type === DEBUG_TYPE) {
        return session;
    }
    void vscode.window.showErrorMessage('rewind: no rewind debug session is active.');
    return undefined;
}

/**
 * The thread to move: the one focused in the Call Stack view (VS Code ≥ 1.90 tells
 * extensions), else the thread of the session's last stop, else its first thread.
 */
export async function currentThread(session: vscode.DebugSession, status: TimelineStatus): Promise<number> {
    const focused: unknown = (vscode.debug as { activeStackItem?: unknown }).activeStackItem;
    const threadId = field(focused, 'threadId');
    if (field(field(focused, 'session'), 'id') === session.id && typeof threadId === 'number') {
        return threadId;
    }
    const last = status.lastStoppedThread(session.id);
    if (last !== undefined) {
        return last;
    }
    const threads = field(await session.customRequest('threads'), 'threads');
    const first = Array.isArray(threads) ? field(threads[0], 'id') : undefined;
    if (typeof first !== 'number') {
        throw new Error('the session has no threads');
    }
    return first;
}

async function fetchTimeline(session: vscode.DebugSession): Promise<Timeline> {
    const timeline = parseTimeline(await session.customRequest('timeline'));
    if (timeline === undefined) {
        throw new Error('the adapter answered "timeline" without {eventCount, currentEvent}');
    }
    return timeline;
}

/** What "Go to Event…" travels to. */
export type GotoTarget = { event: number } | { bookmark: number };

function isGotoTarget(value: unknown): value is GotoTarget {
    return typeof field(value, 'event') === 'number' || typeof field(value, 'bookmark') === 'number';
}

interface TargetItem extends vscode.QuickPickItem {
    target?: GotoTarget;
}

/** Asks for an event number, or a bookmark when there are some; `undefined` when cancelled. */
async function askGotoTarget(timeline: Timeline): Promise<GotoTarget | undefined> {
    if (timeline.bookmarks.length > 0) {
        const items: TargetItem[] = [
            { label: '$(history) Event number…', description: `0 … ${timeline.eventCount}, now ${timeline.currentEvent}` },
            ...timeline.bookmarks.map((b) => ({
                label: `$(bookmark) ${bookmarkLabel(b)}`,
                description: `event ${b.event}`,
                target: { bookmark: b.id },
            })),
        ];
        const picked = await vscode.window.showQuickPick(items, { title: 'rewind: Go to Event', placeHolder: 'A bookmark, or an event number' });
        if (picked === undefined) {
            return undefined;
        }
        if (picked.target !== undefined) {
            return picked.target;
        }
    }
    const text = await vscode.window.showInputBox({
        title: 'rewind: Go to Event',
        prompt: `Event to travel to, 0 … ${timeline.eventCount} (now at ${timeline.currentEvent})`,
        value: String(timeline.currentEvent),
        validateInput: (input) => {
            const parsed = parseEventInput(input, timeline.eventCount);
            return typeof parsed === 'string' ? parsed : undefined;
        },
    });
    if (text === undefined) {
        return undefined;
    }
    const event = parseEventInput(text, timeline.eventCount);
    return typeof event === 'number' ? { event } : undefined;
}

export class RewindCommands {
    constructor(private readonly status: TimelineStatus) {}

    /** Registers every command; dispose the result to unregister them. */
    register(): vscode.Disposable[] {
        return [
            vscode.commands.registerCommand(COMMANDS.reverseStepIn, () => this.reverseStep('reverseStepIn')),
            vscode.commands.registerCommand(COMMANDS.reverseStepOut, () => this.reverseStep('reverseStepOut')),
            vscode.commands.registerCommand(COMMANDS.gotoEvent, (target?: unknown) => this.gotoEvent(target)),
            vscode.commands.registerCommand(COMMANDS.addBookmark, (name?: unknown) => this.addBookmark(name)),
        ];
    }

    private async run(what: string, action: (session: vscode.DebugSession) => Promise<void>): Promise<void> {
        const session = activeRewindSession();
        if (session === undefined) {
            return;
        }
        try {
            await action(session);
        } catch (error) {
            void vscode.window.showErrorMessage(`rewind: ${what} failed: ${errorText(error)}`);
        }
    }

    /** `reverseStepIn` / `reverseStepOut` on the current thread; a `stopped` event follows. */
    reverseStep(command: 'reverseStepIn' | 'reverseStepOut'): Promise<void> {
        const what = command === 'reverseStepIn' ? 'Reverse Step In' : 'Reverse Step Out';
        return this.run(what, async (session) => {
            const threadId = await currentThread(session, this.status);
            await session.customRequest(command, { threadId });
        });
    }

    /**
     * `gotoEvent` to an event or a bookmark: the argument's (`{event}` or `{bookmark}`,
     * e.g. from a keybinding), else one the user picks.
     */
    gotoEvent(target?: unknown): Promise<void> {
        return this.run('Go to Event', async (session) => {
            const chosen = isGotoTarget(target) ? target : await askGotoTarget(await fetchTimeline(session));
            if (chosen !== undefined) {
                await session.customRequest('gotoEvent', chosen);
            }
        });
    }

    /** `bookmark` here, named by the argument or by the user (empty: no name). */
    addBookmark(name?: unknown): Promise<void> {
        return this.run('Add Bookmark', async (session) => {
            let chosen = typeof name === 'string' ? name : undefined;
            if (chosen === undefined) {
                const timeline = this.status.timeline(session.id);
                chosen = await vscode.window.showInputBox({
                    title: 'rewind: Add Bookmark',
                    prompt: 'A name for this position in the recording (optional)',
                    placeHolder: timeline === undefined ? 'name' : `event ${timeline.currentEvent}`,
                });
                if (chosen === undefined) {
                    return;
                }
            }
            chosen = chosen.trim();
            const body: unknown = await session.customRequest('bookmark', chosen === '' ? {} : { name: chosen });
            const bookmark = parseBookmark(body);
            if (bookmark === undefined) {
                throw new Error('the adapter answered "bookmark" without {id, event}');
            }
            void vscode.window.showInformationMessage(
                `rewind: bookmark "${bookmarkLabel(bookmark)}" (id ${bookmark.id}) at event ${bookmark.event}.`,
            );
            await this.status.refresh(session.id);
        });
    }
}
