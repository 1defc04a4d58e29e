/**
 * Drives the real `rewind dap` over stdio with Microsoft's DebugClient, as VS Code would:
 * launch the `loop` fixture, hit a breakpoint, continue, step, stepBack, reverseContinue,
 * checking the stop location and variable values at each stop.
 *
 * The adapter is $REWIND_BIN, else <repo>/target/debug/rewind. The test is skipped (with
 * the reason printed) only when that file does not exist; any other problem fails it.
 * REWIND_TEST_STDERR=1 prints the adapter's stderr as it comes.
 */
import * as assert from 'assert/strict';
import { ChildProcess, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { DebugProtocol } from '@vscode/debugprotocol';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const rewindBin = process.env.REWIND_BIN ?? path.join(repoRoot, 'target', 'debug', 'rewind');
const loopSource = path.join(repoRoot, 'fixtures', 'src', 'loop.c');
const loopBinary = path.join(repoRoot, 'fixtures', 'build', 'loop');

/** Recording a program and opening its replay can take a while on a slow machine. */
const LAUNCH_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

/** The line numbers of the `/* LINE:name *\/` markers in loop.c. */
function markerLines(file: string): Map<string, number> {
    const lines = new Map<string, number>();
    fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((text, index) => {
            const match = /\/\* LINE:(\w+) \*\//.exec(text);
            if (match?.[1] !== undefined) {
                lines.set(match[1], index + 1);
            }
        });
    return lines;
}

function line(markers: Map<string, number>, name: string): number {
    const found = markers.get(name);
    assert.ok(found !== undefined, `loop.c has no LINE:${name} marker`);
    return found;
}

/** Builds the fixture when it is missing (fixtures/build.sh is safe to run concurrently). */
function ensureFixture(): void {
    if (!fs.existsSync(loopBinary)) {
        execFileSync('bash', [path.join(repoRoot, 'fixtures', 'build.sh'), loopBinary], { stdio: 'inherit' });
    }
    assert.ok(fs.existsSync(loopBinary), `${loopBinary} was not built`);
}

interface Stop {
    reason: string;
    threadId: number;
    line: number;
    path: string | undefined;
    frameId: number;
}

class Session {
    readonly dc: DebugClient;
    stderr = '';
    hasExited = false;
    private exited = new Promise<never>(() => undefined);

    constructor(env: NodeJS.ProcessEnv) {
        this.dc = new DebugClient(rewindBin, 'dap', 'rewind', { env }, process.env.REWIND_TEST_STDERR === '1');
        this.dc.defaultTimeout = STOP_TIMEOUT_MS;
    }

    async start(): Promise<void> {
        await this.dc.start();
        // DebugClient neither reports the adapter's death nor keeps its stderr: watch both,
        // so that a dead adapter fails the test at once, with what it said.
        const child = (this.dc as unknown as { _adapterProcess?: ChildProcess })._adapterProcess;
        assert.ok(child, 'DebugClient started no adapter process');
        child.stderr?.on('data', (data: Buffer) => {
            this.stderr = (this.stderr + data.toString()).slice(-8000);
        });
        // Writing to an adapter that has exited (after `disconnect`) is not an error here.
        child.stdin?.on('error', () => undefined);
        this.exited = new Promise<never>((_resolve, reject) => {
            child.on('exit', (code, signal) => {
                this.hasExited = true;
                // Let the last stderr bytes arrive first.
                setTimeout(() => {
                    reject(new Error(`rewind dap exited (code ${String(code)}, signal ${String(signal)}); stderr:\n${this.stderr}`));
                }, 100);
            });
        });
        this.exited.catch(() => undefined);
    }

    /** Disconnects if the adapter still runs, then kills it. */
    async stop(): Promise<void> {
        if (this.hasExited) {
            (this.dc as unknown as { stopAdapter(): void }).stopAdapter();
        } else {
            await this.guard('disconnect', this.dc.stop(), 10_000).catch(() => undefined);
        }
    }

    /** Waits for `promise`, failing if the adapter exits first or `timeout` ms pass. */
    async guard<T>(what: string, promise: Promise<T>, timeout = STOP_TIMEOUT_MS): Promise<T> {
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => {
                reject(new Error(`${what}: nothing after ${timeout} ms`));
            }, timeout);
        });
        try {
            return await Promise.race([promise, this.exited, expired]);
        } finally {
            clearTimeout(timer);
        }
    }

    /**
     * Sends a request and checks its response. Every response must echo its request's
     * `command` (nvim-dap drops responses without one); DebugClient matched `request_seq`.
     */
    async request<R extends DebugProtocol.Response>(command: string, sent: Promise<R>, timeout = STOP_TIMEOUT_MS): Promise<R> {
        let response: R;
        try {
            response = await this.guard(`request '${command}'`, sent, timeout);
        } catch (error) {
            throw new Error(`request '${command}' failed: ${error instanceof Error ? error.message : String(error)}`);
        }
        assert.equal(response.command, command, `the response to '${command}' must carry "command": "${command}"`);
        assert.equal(response.type, 'response');
        assert.equal(response.success, true);
        return response;
    }

    /** Sends a request and returns its response, successful or not. */
    async rawRequest(command: string, args: unknown): Promise<DebugProtocol.Response> {
        const client = this.dc as unknown as {
            doSend(command: string, args: unknown, callback: (response: DebugProtocol.Response) => void): void;
        };
        return this.guard(
            `request '${command}'`,
            new Promise<DebugProtocol.Response>((resolve) => {
                client.doSend(command, args, resolve);
            }),
        );
    }

    /** Sends a movement (or configurationDone) and waits for the `stopped` event it causes. */
    async move(command: string, sent: () => Promise<DebugProtocol.Response>, timeout = STOP_TIMEOUT_MS): Promise<Stop> {
        const stopped = this.dc.waitForEvent('stopped', timeout) as Promise<DebugProtocol.StoppedEvent>;
        stopped.catch(() => undefined);
        await this.request(command, sent(), timeout);
        const event = await this.guard(`the stopped event after '${command}'`, stopped, timeout);
        const threadId = event.body.threadId;
        assert.equal(typeof threadId, 'number', `the stopped event after '${command}' has no threadId`);
        const trace = await this.request('stackTrace', this.dc.stackTraceRequest({ threadId: threadId ?? 0 }));
        const top = trace.body.stackFrames[0];
        assert.ok(top, `no stack frames after '${command}'`);
        return { reason: event.body.reason, threadId: threadId ?? 0, line: top.line, path: top.source?.path, frameId: top.id };
    }

    /** The values of the top frame's "Locals" scope, by name. */
    async locals(frameId: number): Promise<Map<string, string>> {
        const scopes = await this.request('scopes', this.dc.scopesRequest({ frameId }));
        const names = scopes.body.scopes.map((s) => s.name);
        const scope = scopes.body.scopes.find((s) => s.name === 'Locals');
        assert.ok(scope, `no "Locals" scope (scopes: ${JSON.stringify(names)})`);
        const variables = await this.request('variables', this.dc.variablesRequest({ variablesReference: scope.variablesReference }));
        return new Map(variables.body.variables.map((v) => [v.name, v.value]));
    }

    async expectLocals(stop: Stop, expected: Record<string, number>): Promise<void> {
        const values = await this.locals(stop.frameId);
        for (const [name, value] of Object.entries(expected)) {
            const shown = values.get(name);
            assert.ok(shown !== undefined, `no local "${name}" (locals: ${JSON.stringify([...values.keys()])})`);
            const integer = /^-?\d+/.exec(shown.trim())?.[0];
            assert.equal(integer, String(value), `${name} shows "${shown}", expected ${value}`);
        }
    }
}

describe('rewind dap (integration, DebugClient over stdio)', function () {
    this.timeout(4 * LAUNCH_TIMEOUT_MS);

    let markers: Map<string, number>;
    let tmp: string;
    let session: Session | undefined;

    before(function () {
        if (!fs.existsSync(rewindBin)) {
            console.log(`    skipped: no rewind binary at ${rewindBin} (build it with \`cargo build -p rewind\`, or set REWIND_BIN)`);
            this.skip();
        }
        markers = markerLines(loopSource);
        ensureFixture();
    });

    beforeEach(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rewind-dap-test-'));
        // Recordings made by launch go under $REWIND_DIR: keep them in the test's directory.
        session = new Session({ ...process.env, REWIND_DIR: path.join(tmp, 'recordings') });
        await session.start();
    });

    afterEach(async function () {
        const failed = this.currentTest?.state === 'failed';
        if (failed && session !== undefined && session.stderr !== '') {
            console.log(`    rewind dap stderr (last 8000 bytes):\n${session.stderr}`);
        }
        await session?.stop();
        session = undefined;
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    /** initialize, launch loop, set a breakpoint at LINE:step_total, configurationDone: the first stop. */
    async function launchToBreakpoint(s: Session): Promise<{ stop: Stop; bpLine: number }> {
        const dc = s.dc;
        const initialize = await s.request('initialize', dc.initializeRequest());
        const capabilities: DebugProtocol.Capabilities = initialize.body ?? {};
        assert.equal(capabilities.supportsConfigurationDoneRequest, true, 'supportsConfigurationDoneRequest');
        assert.equal(capabilities.supportsStepBack, true, 'supportsStepBack');

        const bpLine = line(markers, 'step_total');
        const initialized = dc.waitForEvent('initialized', LAUNCH_TIMEOUT_MS);
        initialized.catch(() => undefined);
        // launch records the program, then sends `initialized`; its response may come
        // before or after that event (or only after configurationDone): wait for the event.
        const launched = s.request(
            'launch',
            dc.launchRequest({ program: loopBinary, cwd: tmp } as DebugProtocol.LaunchRequestArguments),
            LAUNCH_TIMEOUT_MS,
        );
        launched.catch(() => undefined);
        await s.guard("the 'initialized' event after 'launch'", Promise.race([initialized, launched.then(() => initialized)]), LAUNCH_TIMEOUT_MS);

        const breakpoints = await s.request(
            'setBreakpoints',
            dc.setBreakpointsRequest({ source: { path: loopSource }, breakpoints: [{ line: bpLine }] }),
        );
        const [bp] = breakpoints.body.breakpoints;
        assert.ok(bp, 'setBreakpoints returned no breakpoint');
        assert.equal(bp.verified, true, `breakpoint at loop.c:${bpLine} not verified: ${bp.message ?? ''}`);
        assert.equal(bp.line, bpLine);

        const stop = await s.move('configurationDone', () => dc.configurationDoneRequest(), LAUNCH_TIMEOUT_MS);
        await s.guard("the response to 'launch'", launched);
        return { stop, bpLine };
    }

    it('launches loop, stops at a breakpoint, continues, steps, steps back and reverse-continues', async () => {
        const s = session;
        assert.ok(s);
        const dc = s.dc;
        const { stop: first, bpLine } = await launchToBreakpoint(s);

        // First hit: step(0).
        assert.equal(first.reason, 'breakpoint');
        assert.equal(first.line, bpLine);
        assert.equal(first.path, loopSource, 'the stack frame names loop.c by its absolute path');
        await s.expectLocals(first, { x: 0, doubled: 0 });
        const threadId = first.threadId;

        // continue: the second hit, step(1).
        const second = await s.move('continue', () => dc.continueRequest({ threadId }));
        assert.equal(second.reason, 'breakpoint');
        assert.equal(second.line, bpLine);
        await s.expectLocals(second, { x: 1, doubled: 2 });

        // next: to `return doubled + 1;`.
        const next = await s.move('next', () => dc.nextRequest({ threadId }));
        assert.equal(next.reason, 'step');
        assert.equal(next.line, line(markers, 'step_return'));
        await s.expectLocals(next, { x: 1, doubled: 2 });

        // stepBack: back to `total += doubled;`, still in step(1). That line holds the
        // breakpoint, so the stop may say so (reason "breakpoint") rather than "step".
        const back = await s.move('stepBack', () => dc.stepBackRequest({ threadId }));
        assert.ok(['step', 'breakpoint'].includes(back.reason), `stepBack stopped with reason "${back.reason}"`);
        assert.equal(back.line, bpLine);
        await s.expectLocals(back, { x: 1, doubled: 2 });

        // reverseContinue: back to the first hit, step(0).
        const reverse = await s.move('reverseContinue', () => dc.reverseContinueRequest({ threadId }));
        assert.equal(reverse.reason, 'breakpoint');
        assert.equal(reverse.line, bpLine);
        await s.expectLocals(reverse, { x: 0, doubled: 0 });

        await s.request('disconnect', dc.disconnectRequest({}));
    });

    it('serves the custom requests of the extension: timeline, bookmark, gotoEvent, reverseStepOut, reverseStepIn', async () => {
        const s = session;
        assert.ok(s);
        const dc = s.dc;
        const { stop: first } = await launchToBreakpoint(s);
        const threadId = first.threadId;

        const timeline = async (): Promise<{ eventCount: number; currentEvent: number; complete: boolean; bookmarks: { id: number; name: string; event: number }[] }> => {
            const response = await s.request('timeline', dc.customRequest('timeline'));
            const body = response.body as { eventCount: unknown; currentEvent: unknown; complete: unknown; bookmarks: unknown };
            assert.equal(typeof body.eventCount, 'number', 'timeline.eventCount');
            assert.equal(typeof body.currentEvent, 'number', 'timeline.currentEvent');
            assert.equal(typeof body.complete, 'boolean', 'timeline.complete');
            assert.ok(Array.isArray(body.bookmarks), 'timeline.bookmarks');
            return response.body as Awaited<ReturnType<typeof timeline>>;
        };

        const atFirst = await timeline();
        assert.ok(atFirst.currentEvent <= atFirst.eventCount);
        assert.equal(atFirst.complete, true);

        const mark = await s.request('bookmark', dc.customRequest('bookmark', { name: 'first hit' }));
        const bookmark = mark.body as { id: number; name: string; event: number };
        assert.equal(bookmark.name, 'first hit');
        assert.equal(bookmark.event, atFirst.currentEvent);

        // Forward to the third hit (step(2)): later in the recording.
        await s.move('continue', () => dc.continueRequest({ threadId }));
        const third = await s.move('continue', () => dc.continueRequest({ threadId }));
        await s.expectLocals(third, { x: 2 });
        const atThird = await timeline();
        assert.ok(atThird.currentEvent > atFirst.currentEvent, `currentEvent ${atThird.currentEvent} after moving forward from ${atFirst.currentEvent}`);
        assert.deepEqual(atThird.bookmarks, [bookmark]);

        // Without breakpoints from here on: stepping over step() must not stop inside it.
        await s.request('setBreakpoints', dc.setBreakpointsRequest({ source: { path: loopSource }, breakpoints: [] }));

        // reverseStepOut: back to the call of step(2) in main.
        const out = await s.move('reverseStepOut', () => dc.customRequest('reverseStepOut', { threadId }));
        assert.equal(out.line, line(markers, 'loop_body'));
        await s.expectLocals(out, { i: 2 });

        // reverseStepIn from the line after the call: back into the last line step(2)
        // executed, its closing brace (the line after `return doubled + 1;`).
        const next = await s.move('next', () => dc.nextRequest({ threadId }));
        assert.equal(next.line, line(markers, 'point_x'));
        const into = await s.move('reverseStepIn', () => dc.customRequest('reverseStepIn', { threadId }));
        const closingBrace = line(markers, 'step_return') + 1;
        assert.equal(fs.readFileSync(loopSource, 'utf8').split('\n')[closingBrace - 1]?.trim(), '}');
        assert.equal(into.line, closingBrace);
        await s.expectLocals(into, { x: 2, doubled: 4 });

        // gotoEvent to the bookmark: back at the first hit.
        const goneBookmark = await s.move('gotoEvent', () => dc.customRequest('gotoEvent', { bookmark: bookmark.id }));
        assert.equal(goneBookmark.reason, 'goto');
        assert.equal(goneBookmark.line, line(markers, 'step_total'));
        await s.expectLocals(goneBookmark, { x: 0 });
        assert.equal((await timeline()).currentEvent, atFirst.currentEvent);

        // Refusals are responses too, with `command` (nvim-dap drops responses without one).
        for (const [command, args] of [
            ['setVariable', { variablesReference: 1, name: 'x', value: '5' }],
            ['noSuchRequest', {}],
        ] as const) {
            const refused = await s.rawRequest(command, args);
            assert.equal(refused.success, false, `'${command}' must be refused`);
            assert.equal(refused.command, command, `the error response to '${command}' must carry "command"`);
            assert.ok((refused.message ?? '') !== '', `the error response to '${command}' must say why`);
        }

        // gotoEvent to an event number.
        const goneEvent = await s.move('gotoEvent', () => dc.customRequest('gotoEvent', { event: atThird.currentEvent }));
        assert.equal(goneEvent.reason, 'goto');
        assert.equal((await timeline()).currentEvent, atThird.currentEvent);

        await s.request('disconnect', dc.disconnectRequest({}));
    });
});
