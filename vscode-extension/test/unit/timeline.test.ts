import * as assert from 'assert/strict';
import { parseBookmark, parseEventInput, parseTimeline, statusText, statusTooltip } from '../../src/timeline';

describe('timeline', () => {
    const body = {
        eventCount: 56789,
        currentEvent: 1234,
        complete: true,
        bookmarks: [
            { id: 1, name: 'before the bug', event: 1000 },
            { id: 2, name: '', event: 2000 },
            { id: 'bad', event: 3 },
        ],
    };

    it('parses the timeline response body, dropping malformed bookmarks', () => {
        assert.deepEqual(parseTimeline(body), {
            eventCount: 56789,
            currentEvent: 1234,
            complete: true,
            bookmarks: [
                { id: 1, name: 'before the bug', event: 1000 },
                { id: 2, name: '', event: 2000 },
            ],
        });
        assert.equal(parseTimeline({ eventCount: 3, currentEvent: 0 })?.bookmarks.length, 0);
    });

    it('refuses bodies that are not timelines', () => {
        for (const bad of [undefined, null, 3, [], {}, { eventCount: 5 }, { eventCount: -1, currentEvent: 0 }, { eventCount: 1.5, currentEvent: 0 }]) {
            assert.equal(parseTimeline(bad), undefined, JSON.stringify(bad));
        }
        assert.equal(parseBookmark({ id: 1, name: 'x' }), undefined);
    });

    it('shows "$(history) current / count" with a tooltip listing the bookmarks', () => {
        const timeline = parseTimeline(body);
        assert.ok(timeline);
        assert.equal(statusText(timeline), '$(history) 1234 / 56789');
        // Only codicons and text: an emoji renders as a box without an emoji font.
        assert.match(statusText(timeline), /^\$\([a-z-]+\)[\x20-\x7e]*$/);
        const tooltip = statusTooltip(timeline);
        assert.match(tooltip, /1234 of 56789 events/);
        assert.match(tooltip, /before the bug: event 1000/);
        assert.match(tooltip, /bookmark 2: event 2000/);
        assert.doesNotMatch(tooltip, /incomplete/);
        assert.match(statusTooltip({ ...timeline, complete: false }), /incomplete/);
    });

    it('parses an event number typed by the user', () => {
        assert.equal(parseEventInput(' 42 ', 100), 42);
        assert.equal(parseEventInput('1_000', 5000), 1000);
        assert.equal(parseEventInput('1,000', 5000), 1000);
        assert.equal(parseEventInput('100', 100), 100);
        assert.equal(parseEventInput('0', 0), 0);
        assert.match(String(parseEventInput('101', 100)), /events 0 to 100/);
        assert.match(String(parseEventInput('-1', 100)), /from 0 to 100/);
        assert.match(String(parseEventInput('abc', 100)), /from 0 to 100/);
        assert.match(String(parseEventInput('', 100)), /from 0 to 100/);
    });
});
