/**
 * The recording's timeline as the custom `timeline` request reports it (docs/dap.md):
 * `{eventCount, currentEvent, complete, bookmarks: [{id, name, event}]}`, and how the
 * extension shows it. Free of the `vscode` module.
 */

export interface Bookmark {
    id: number;
    name: string;
    event: number;
}

export interface Timeline {
    /** Number of events in the recording. */
    eventCount: number;
    /** Index of the next event to replay, 0 … eventCount. */
    currentEvent: number;
    complete: boolean;
    bookmarks: Bookmark[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
    return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** A bookmark as returned by `bookmark` and listed by `timeline`; `undefined` if malformed. */
export function parseBookmark(value: unknown): Bookmark | undefined {
    if (!isRecord(value) || !isCount(value.id) || !isCount(value.event)) {
        return undefined;
    }
    return { id: value.id, name: typeof value.name === 'string' ? value.name : '', event: value.event };
}

/** The body of a `timeline` response; `undefined` if it is not one. */
export function parseTimeline(body: unknown): Timeline | undefined {
    if (!isRecord(body) || !isCount(body.eventCount) || !isCount(body.currentEvent)) {
        return undefined;
    }
    const bookmarks = Array.isArray(body.bookmarks)
        ? body.bookmarks.map(parseBookmark).filter((b): b is Bookmark => b !== undefined)
        : [];
    return {
        eventCount: body.eventCount,
        currentEvent: body.currentEvent,
        complete: body.complete !== false,
        bookmarks,
    };
}

/**
 * The status-bar text: `$(history) 1234 / 56789`. The icon is a codicon, drawn by
 * VS Code's own icon font: an emoji such as ⏱ needs a colour-emoji font, and renders
 * as an empty box where the machine has none.
 */
export function statusText(timeline: Timeline): string {
    return `$(history) ${timeline.currentEvent} / ${timeline.eventCount}`;
}

export function bookmarkLabel(bookmark: Bookmark): string {
    return bookmark.name === '' ? `bookmark ${bookmark.id}` : bookmark.name;
}

/** The status-bar tooltip: what the numbers mean, and the bookmarks. */
export function statusTooltip(timeline: Timeline): string {
    const lines = [
        `rewind: next event to replay ${timeline.currentEvent} of ${timeline.eventCount} events in the recording` +
            (timeline.complete ? '' : ' (an incomplete recording)'),
    ];
    for (const bookmark of timeline.bookmarks) {
        lines.push(`${bookmarkLabel(bookmark)}: event ${bookmark.event}`);
    }
    lines.push('Click to go to an event or a bookmark.');
    return lines.join('\n');
}

/**
 * Parses what the user typed in "Go to Event…": an event number in 0 … eventCount
 * (`_` and `,` separators allowed). Returns the number, or a message saying what is wrong.
 */
export function parseEventInput(text: string, eventCount: number): number | string {
    const cleaned = text.trim().replace(/[_,]/g, '');
    if (!/^\d+$/.test(cleaned)) {
        return `Type an event number from 0 to ${eventCount}.`;
    }
    const event = Number(cleaned);
    if (!Number.isSafeInteger(event) || event > eventCount) {
        return `The recording has events 0 to ${eventCount}.`;
    }
    return event;
}
