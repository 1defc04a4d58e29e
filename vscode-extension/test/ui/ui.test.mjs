/**
 * The rewind extension in VS Code's real UI: code-server (VS Code 1.100 served to a
 * browser, a remote window as VS Code sees it) driven through headless Chromium.
 *
 * The .vsix is installed with `code-server --install-extension` into a temporary
 * user-data and extensions directory; `rewind.adapterPath` is set in the User settings.
 * The workspace is a temporary folder holding fixtures/src/loop.c, built there with
 * debug information, and a .vscode/launch.json with a `rewind` launch configuration.
 * With the mouse and the keyboard only, as a person would, the test sets a breakpoint
 * in the editor's glyph margin, starts the configuration from the Run and Debug view,
 * clicks Continue, Step Back and Reverse in the debug toolbar and runs "rewind: Reverse
 * Step In" from the command palette. After each stop it checks the editor's highlighted
 * (top stack frame) line, values in the Variables view, the Call Stack header and the
 * extension's status-bar item, and saves a screenshot.
 *
 * Lines are found by their `/* LINE:name *\/` markers in loop.c. Every wait is for a DOM
 * condition, bounded, and fails naming what it waited for and what the UI showed.
 *
 * Environment: REWIND_BIN (the adapter; default target/debug/rewind), REWIND_VSIX (the
 * package; default the newest vscode-extension/rewind-*.vsix), CHROMIUM (default
 * /usr/bin/chromium), REWIND_UI_ARTEFACTS (screenshots; default target/vscode-ui),
 * REWIND_UI_KEEP=1 keeps the temporary directory (server log, recordings).
 * Installed and run by .ci/vscode-ui.sh.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const extensionDir = path.resolve(here, '..', '..');
const repoRoot = path.resolve(extensionDir, '..');
const rewindBin = process.env.REWIND_BIN ?? path.join(repoRoot, 'target', 'debug', 'rewind');
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const artefacts = process.env.REWIND_UI_ARTEFACTS ?? path.join(repoRoot, 'target', 'vscode-ui');
const codeServer = path.join(here, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const loopSource = path.join(repoRoot, 'fixtures', 'src', 'loop.c');

/** The status-bar item the extension creates (`<publisher>.<name>.<item id>`). */
const STATUS_ITEM_ID = 'rewind-dev.rewind.rewind.timeline';

const SERVER_START_MS = 60_000;
const WORKBENCH_MS = 60_000;
/** Recording the program and opening its replay. */
const LAUNCH_MS = 90_000;
const STOP_MS = 30_000;
const UI_MS = 15_000;
/** The Call Stack header, once the stop's frames are shown. */
const HEADER_MS = 3_000;
/** One step of the scenario, all its waits included. */
const STEP_MS = 150_000;

function newestVsix() {
    const found = fs
        .readdirSync(extensionDir)
        .filter((f) => /^rewind-.*\.vsix$/.test(f))
        .map((f) => path.join(extensionDir, f))
        .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
    return found[0];
}

/** The line numbers of the `/* LINE:name *\/` markers of a source file. */
function markerLines(file) {
    const lines = new Map();
    fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((text, index) => {
            const match = /\/\* LINE:(\w+) \*\//.exec(text);
            if (match) {
                lines.set(match[1], index + 1);
            }
        });
    return (name) => {
        const line = lines.get(name);
        assert.ok(line !== undefined, `${file} has no LINE:${name} marker`);
        return line;
    };
}

/** Resolves with `promise`, or fails after `ms` naming `what`. */
async function bounded(what, ms, promise) {
    let timer;
    const expired = new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    });
    try {
        return await Promise.race([promise, expired]);
    } finally {
        clearTimeout(timer);
    }
}

/**
 * Helpers installed in the page: what the workbench shows, read from its DOM.
 * Serialised into the page, so self-contained.
 */
function pageHelpers() {
    const text = (e) => (e?.textContent ?? '').replace(/\s+/g, ' ').trim();
    const editor = () => document.querySelector('.part.editor .editor-instance .monaco-editor');
    /** The editor's line under a vertical position (from the line-number margin). */
    const lineAt = (y) => {
        for (const row of editor()?.querySelectorAll('.margin-view-overlays > div') ?? []) {
            const r = row.getBoundingClientRect();
            const number = row.querySelector('.line-numbers');
            if (number && y >= r.top && y < r.bottom) {
                return Number(text(number));
            }
        }
        return undefined;
    };
    /** The lines that hold an element matching `selector` (decorations, glyphs). */
    const linesWith = (selector) =>
        [...(editor()?.querySelectorAll(selector) ?? [])]
            .map((e) => {
                const r = e.getBoundingClientRect();
                return lineAt(r.top + r.height / 2);
            })
            .filter((l) => l !== undefined);
    window.__rewindUi = {
        text,
        /**
         * Where a click in the glyph margin of `line` goes; undefined while the line or the
         * margin is not shown (the margin appears once a debugger for the language is known).
         */
        glyphMarginPoint(line) {
            const ed = editor();
            const row = [...(ed?.querySelectorAll('.margin-view-overlays > div') ?? [])].find(
                (d) => text(d.querySelector('.line-numbers')) === String(line),
            );
            const glyphs = ed?.querySelector('.glyph-margin');
            const g = glyphs?.getBoundingClientRect();
            if (!row || !g || g.width === 0) {
                return undefined;
            }
            const r = row.getBoundingClientRect();
            return { x: g.left + g.width / 2, y: r.top + r.height / 2 };
        },
        /** The active editor tab's label. */
        activeTab: () => text(document.querySelector('.part.editor .tab.active .label-name')),
        breakpointLines: () => linesWith('.glyph-margin-widgets .codicon-debug-breakpoint'),
        /** The lines showing the breakpoint hint (where the mouse hovers the margin). */
        hintLines: () => linesWith('.glyph-margin-widgets .codicon-debug-hint'),
        /** The lines the editor highlights as the top stack frame. */
        currentLines: () => linesWith('.view-overlays .debug-top-stack-frame-line'),
        /** The Variables view's rows: name → value (scopes excluded). */
        variables() {
            const found = {};
            for (const row of document.querySelectorAll('.debug-variables .monaco-list-row')) {
                const name = row.querySelector('.expression .name');
                const value = row.querySelector('.expression .value');
                if (name && value) {
                    found[text(name).replace(/\s*[=:]$/, '')] = text(value);
                }
            }
            return found;
        },
        /** The Call Stack view's first frame row ("Stack Frame main, line 21, loop.c"). */
        topFrame: () =>
            document.querySelector('.debug-call-stack .monaco-list-row[aria-label^="Stack Frame "]')?.getAttribute('aria-label') ?? undefined,
        /** The Call Stack view's header text ("Paused on …", or the stop's description). */
        callStackHeader() {
            const message = document.querySelector('.debug-call-stack .call-stack-state-message, .call-stack-state-message');
            return message && !message.hidden ? text(message) : undefined;
        },
        /** The rewind status-bar item: its text and the codicons it renders. */
        statusItem(id) {
            const item = document.getElementById(id);
            if (!item || item.offsetParent === null) {
                return undefined;
            }
            return {
                text: text(item),
                icons: [...item.querySelectorAll('.codicon')].map((c) =>
                    [...c.classList].find((k) => k.startsWith('codicon-')),
                ),
            };
        },
        /** An enabled debug-toolbar button whose label starts with `label`. */
        toolbarButton(label) {
            return [...document.querySelectorAll('.debug-toolbar .action-label')].find(
                (a) => (a.getAttribute('aria-label') ?? '').startsWith(label) && !a.classList.contains('disabled'),
            );
        },
        notifications: () =>
            [...document.querySelectorAll('.notifications-toasts .notification-list-item-message')].map(text),
        /** Everything the checks read, for failure messages. */
        state(id) {
            return {
                activeTab: this.activeTab(),
                currentLines: this.currentLines(),
                breakpointLines: this.breakpointLines(),
                variables: this.variables(),
                topFrame: this.topFrame(),
                callStackHeader: this.callStackHeader(),
                statusItem: this.statusItem(id),
                toolbar: [...document.querySelectorAll('.debug-toolbar .action-label')].map(
                    (a) => `${a.getAttribute('aria-label')}${a.classList.contains('disabled') ? ' (disabled)' : ''}`,
                ),
                notifications: this.notifications(),
            };
        },
    };
}

describe('the rewind extension in VS Code (code-server + Chromium)', () => {
    const vsix = process.env.REWIND_VSIX ?? newestVsix();
    let tmp;
    let server;
    let serverLog = '';
    let serverExit;
    let browser;
    let page;
    let line;
    let shots = 0;
    let failed = false;

    /** What the UI shows now, for a failure message. */
    async function uiState() {
        try {
            const state = await bounded('the UI state', 5000, page.evaluate((id) => window.__rewindUi.state(id), STATUS_ITEM_ID));
            return JSON.stringify(state, null, 1);
        } catch (error) {
            return `(the UI state could not be read: ${error.message})`;
        }
    }

    /** Waits until `fn` (run in the page) returns a truthy value, which it returns. */
    async function waitFor(what, ms, fn, ...args) {
        try {
            const handle = await page.waitForFunction(fn, { timeout: ms, polling: 100 }, ...args);
            return await handle.jsonValue();
        } catch (error) {
            if (error?.name === 'TimeoutError') {
                throw new Error(`timed out after ${ms} ms waiting for ${what}; the UI shows: ${await uiState()}`);
            }
            throw error;
        }
    }

    /**
     * Runs `attempt` (an action and a check, in Node) every 200 ms until it returns a
     * truthy value, for conditions that need an action repeated (a mouse move).
     */
    async function until(what, ms, attempt) {
        const deadline = Date.now() + ms;
        for (let n = 0; ; n++) {
            const result = await attempt(n);
            if (result) {
                return result;
            }
            if (Date.now() > deadline) {
                throw new Error(`timed out after ${ms} ms waiting for ${what}; the UI shows: ${await uiState()}`);
            }
            await new Promise((resolve) => setTimeout(resolve, 200));
        }
    }

    async function screenshot(name) {
        shots += 1;
        const file = path.join(artefacts, `${String(shots).padStart(2, '0')}-${name}.png`);
        await bounded(`screenshot ${file}`, UI_MS, page.screenshot({ path: file }));
        console.log(`screenshot: ${file}`);
    }

    /**
     * Clicks the middle of the element `selector` names, found and measured in one page
     * evaluation: VS Code re-renders the sidebar while it settles, so an element handle
     * taken a moment earlier may be detached by the time it is clicked ("Node is
     * detached from document"); a point on the screen is not.
     */
    async function clickSelector(what, selector) {
        const point = await waitFor(`${what} (${selector}) on the screen`, UI_MS, (s) => {
            const element = document.querySelector(s);
            const box = element?.getBoundingClientRect();
            return box && box.width > 0 && box.height > 0 ? { x: box.x + box.width / 2, y: box.y + box.height / 2 } : undefined;
        }, selector);
        await page.mouse.click(point.x, point.y);
    }

    async function clickToolbar(label) {
        const point = await waitFor(`the debug toolbar's "${label}" button to be enabled`, STOP_MS, (l) => {
            const box = window.__rewindUi.toolbarButton(l)?.getBoundingClientRect();
            return box && box.width > 0 && box.height > 0 ? { x: box.x + box.width / 2, y: box.y + box.height / 2 } : undefined;
        }, label);
        await page.mouse.click(point.x, point.y);
    }

    /**
     * Each stop's expected values differ from the stop before it: the Variables view
     * keeps showing the old values until the new ones arrive, so an unchanged value
     * would prove nothing.
     *
     * Waits for the stop the last action led to: the editor highlights `stop.line` (and
     * no other line), the Call Stack view's top frame is `stop.fn` at that line, the
     * Variables view shows `stop.vars`, and the status-bar item shows an event. Returns
     * the status item and the Call Stack header.
     */
    async function waitForStop(what, ms, stop) {
        const reached = await waitFor(
            `${what}: the editor to highlight line ${stop.line} (and only it) as the current line`,
            ms,
            (l) => {
                // An error from the extension ends the wait at once.
                const error = window.__rewindUi.notifications().find((n) => n.startsWith('rewind:'));
                if (error) {
                    return { error };
                }
                const lines = window.__rewindUi.currentLines();
                return lines.length === 1 && lines[0] === l;
            },
            stop.line,
        );
        if (reached.error) {
            throw new Error(`${what}: the extension showed an error instead: ${reached.error}`);
        }
        const frame = `Stack Frame ${stop.fn}, line ${stop.line}, loop.c`;
        await waitFor(`${what}: the Call Stack view's top frame to be "${frame}"`, STOP_MS, (f) => window.__rewindUi.topFrame() === f, frame);
        await waitFor(
            `${what}: the Variables view to show ${JSON.stringify(stop.vars)}`,
            STOP_MS,
            (want) => {
                const vars = window.__rewindUi.variables();
                return Object.entries(want).every(([k, v]) => vars[k] === v);
            },
            stop.vars,
        );
        const item = await waitFor(`${what}: the rewind status-bar item to show the current event`, STOP_MS, (id) => {
            const shown = window.__rewindUi.statusItem(id);
            return shown && /\d+ \/ \d+$/.test(shown.text) ? shown : undefined;
        }, STATUS_ITEM_ID);
        return { item, header: await page.evaluate(() => window.__rewindUi.callStackHeader()) };
    }

    /**
     * The Call Stack header is rendered with the frames (the stop is shown by now): a
     * short wait for it to read `want`.
     */
    async function expectHeader(what, want) {
        await waitFor(`${what}: the Call Stack header to read "${want}"`, HEADER_MS, (w) => window.__rewindUi.callStackHeader() === w, want);
    }

    /** The status item's "current / count" numbers, checking how it renders. */
    function eventOf(item) {
        const match = /^(?:\$\(history\) )?(\d+) \/ (\d+)$/.exec(item.text);
        assert.ok(match, `the status-bar item reads "${item.text}": expected "<current> / <count>" after its icon`);
        assert.deepEqual(
            item.icons,
            ['codicon-history'],
            `the status-bar item "${item.text}" must render its icon as the history codicon (an emoji needs a font the machine may lack)`,
        );
        return { current: Number(match[1]), count: Number(match[2]) };
    }

    /** A step of the scenario: skipped once an earlier one failed. */
    function step(name, fn, options = {}) {
        // The step's own bound, over the waits inside it (a page.evaluate has none).
        it(name, { timeout: STEP_MS, ...options }, async (t) => {
            if (failed) {
                t.skip('an earlier step failed');
                return;
            }
            try {
                await fn();
            } catch (error) {
                if (!options.todo) {
                    failed = true;
                }
                const prefix = options.todo ? 'todo-failed' : 'failed';
                await screenshot(`${prefix}-${name.replace(/\W+/g, '-').replace(/^-|-$/g, '')}`).catch(() => undefined);
                throw error;
            }
        });
    }

    before(async () => {
        try {
            await setUp();
        } catch (error) {
            failed = true;
            throw error;
        }
    }, { timeout: 4 * SERVER_START_MS });

    // However the run ends (a bound of .ci/vscode-ui.sh included), end what it started:
    // code-server's process group (its extension host, the adapter) and Chromium.
    process.on('exit', () => {
        if (server && server.exitCode === null && server.signalCode === null) {
            try {
                process.kill(-server.pid, 'SIGKILL');
            } catch {
                // Already gone.
            }
        }
        browser?.process()?.kill('SIGKILL');
    });
    process.on('SIGTERM', () => process.exit(143));

    async function setUp() {
        assert.ok(fs.existsSync(codeServer), `no code-server at ${codeServer}: run .ci/vscode-ui.sh (it installs it)`);
        assert.ok(fs.existsSync(rewindBin), `no rewind binary at ${rewindBin}: run 'cargo build -p rewind'`);
        assert.ok(vsix && fs.existsSync(vsix), 'no vscode-extension/rewind-*.vsix: run .ci/vscode.sh (it packages it)');
        assert.ok(fs.existsSync(chromium), `no Chromium at ${chromium}: apt-get install chromium`);
        fs.mkdirSync(artefacts, { recursive: true });
        for (const old of fs.readdirSync(artefacts).filter((f) => f.endsWith('.png'))) {
            fs.rmSync(path.join(artefacts, old));
        }

        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rewind-vscode-ui-'));
        const userData = path.join(tmp, 'user-data');
        const extensions = path.join(tmp, 'extensions');
        const workspace = path.join(tmp, 'loop-workspace');
        const config = path.join(tmp, 'code-server.yaml');
        fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
        fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
        fs.mkdirSync(path.join(tmp, 'recordings'));
        fs.writeFileSync(config, 'auth: none\ncert: false\n');

        // The workspace: loop.c built in place (the debug information names this copy).
        const source = path.join(workspace, 'loop.c');
        fs.copyFileSync(loopSource, source);
        execFileSync('gcc', ['-g', '-O0', '-pthread', '-o', path.join(workspace, 'loop'), source], { stdio: 'inherit' });
        line = markerLines(source);
        fs.writeFileSync(
            path.join(workspace, '.vscode', 'launch.json'),
            JSON.stringify(
                {
                    version: '0.2.0',
                    configurations: [
                        {
                            type: 'rewind',
                            request: 'launch',
                            name: 'rewind: loop',
                            program: '${workspaceFolder}/loop',
                            cwd: '${workspaceFolder}',
                        },
                    ],
                },
                null,
                2,
            ),
        );
        // User settings: where a user sets the adapter. The rest keeps the window quiet.
        fs.writeFileSync(
            path.join(userData, 'User', 'settings.json'),
            JSON.stringify(
                {
                    'rewind.adapterPath': rewindBin,
                    'workbench.startupEditor': 'none',
                    'workbench.tips.enabled': false,
                    'security.workspace.trust.enabled': false,
                    'telemetry.telemetryLevel': 'off',
                    'extensions.autoCheckUpdates': false,
                    'extensions.autoUpdate': false,
                    'extensions.ignoreRecommendations': true,
                    'update.mode': 'none',
                    'editor.minimap.enabled': false,
                    'debug.toolBarLocation': 'floating',
                },
                null,
                2,
            ),
        );

        const home = {
            XDG_DATA_HOME: path.join(tmp, 'xdg', 'data'),
            XDG_CONFIG_HOME: path.join(tmp, 'xdg', 'config'),
            XDG_CACHE_HOME: path.join(tmp, 'xdg', 'cache'),
        };
        const common = ['--config', config, '--user-data-dir', userData, '--extensions-dir', extensions];
        const installed = execFileSync(process.execPath, [codeServer, ...common, '--install-extension', vsix], {
            encoding: 'utf8',
            env: { ...process.env, ...home },
            timeout: SERVER_START_MS,
        });
        assert.match(installed, /successfully installed/, `code-server --install-extension ${vsix} said:\n${installed}`);

        // Its own process group, so that the extension host and the adapter end with it.
        server = spawn(
            process.execPath,
            [
                codeServer,
                ...common,
                '--auth', 'none',
                '--bind-addr', '127.0.0.1:0',
                '--disable-telemetry',
                '--disable-update-check',
                '--disable-workspace-trust',
                '--disable-getting-started-override',
                '--ignore-last-opened',
                workspace,
            ],
            {
                detached: true,
                stdio: ['ignore', 'pipe', 'pipe'],
                // code-server keeps logs under $XDG_DATA_HOME/code-server whatever
                // --user-data-dir says: all of it stays in the temporary directory.
                env: { ...process.env, ...home, REWIND_DIR: path.join(tmp, 'recordings') },
            },
        );
        serverExit = new Promise((resolve) => server.on('exit', (code, signal) => resolve({ code, signal })));
        const url = await bounded(
            'code-server to print "HTTP server listening on …"',
            SERVER_START_MS,
            new Promise((resolve, reject) => {
                const take = (data) => {
                    serverLog += data.toString();
                    const match = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(serverLog);
                    if (match) {
                        resolve(match[1]);
                    }
                };
                server.stdout.on('data', take);
                server.stderr.on('data', take);
                void serverExit.then(({ code, signal }) =>
                    reject(new Error(`code-server exited (code ${code}, signal ${signal}):\n${serverLog}`)),
                );
            }),
        );
        console.log(`code-server: ${url}, workspace ${workspace}`);

        browser = await bounded(
            `Chromium (${chromium}) to start`,
            SERVER_START_MS,
            puppeteer.launch({
                executablePath: chromium,
                headless: true,
                userDataDir: path.join(tmp, 'chromium'),
                defaultViewport: { width: 1400, height: 900 },
                env: { ...process.env, ...home },
                args: [
                    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
                    '--disable-gpu',
                    '--disable-dev-shm-usage',
                    '--no-first-run',
                    '--no-default-browser-check',
                    '--window-size=1400,900',
                ],
            }),
        );
        page = await browser.newPage();
        page.setDefaultTimeout(UI_MS);
        await page.evaluateOnNewDocument(pageHelpers);
        await page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`, { waitUntil: 'domcontentloaded', timeout: WORKBENCH_MS });
    }

    after(async () => {
        if (failed) {
            console.log(`code-server's output:\n${serverLog.slice(-4000)}`);
        }
        await bounded('Chromium to close', 10_000, browser?.close() ?? Promise.resolve()).catch(() => {
            browser?.process()?.kill('SIGKILL');
        });
        if (server && server.exitCode === null && server.signalCode === null) {
            process.kill(-server.pid, 'SIGTERM');
            await bounded('code-server to exit', 10_000, serverExit).catch(() => process.kill(-server.pid, 'SIGKILL'));
        }
        console.log(`screenshots: ${artefacts}`);
        if (tmp && process.env.REWIND_UI_KEEP !== '1') {
            fs.rmSync(tmp, { recursive: true, force: true });
        } else if (tmp) {
            console.log(`kept ${tmp}`);
        }
    });

    let event;

    /** After a movement: the stop, the status item's event, the header and a screenshot. */
    async function checkStop(what, ms, stop, header, direction, shot) {
        const shown = await waitForStop(what, ms, stop);
        const now = eventOf(shown.item);
        if (event !== undefined) {
            assert.equal(now.count, event.count, `${what}: the recording has as many events as before`);
            const moved = { forwards: now.current > event.current, backwards: now.current < event.current, back: now.current <= event.current }[direction];
            assert.ok(moved, `${what}: the status-bar event went ${direction}: ${event.current} → ${now.current}`);
        }
        event = now;
        await screenshot(shot);
        if (header !== undefined) {
            await expectHeader(what, header);
        }
    }

    step('opens the workspace and loop.c, and sets a breakpoint in the glyph margin', async () => {
        await waitFor('the workbench and the Explorer row of loop.c', WORKBENCH_MS, () =>
            document.querySelector('.explorer-folders-view .monaco-list-row[aria-label="loop.c"]'),
        );
        await screenshot('workspace');
        await clickSelector('the Explorer row of loop.c', '.explorer-folders-view .monaco-list-row[aria-label="loop.c"]');
        const target = line('point_x');
        const point = await waitFor(`loop.c's line ${target} in the editor, with a glyph margin`, UI_MS, (l) => {
            return window.__rewindUi.activeTab() === 'loop.c' && window.__rewindUi.glyphMarginPoint(l);
        }, target);
        // The margin takes breakpoints once the extension's debugger (and its languages)
        // is registered, which may come after the editor opens: hover until the editor
        // shows its breakpoint hint there (it answers mouse moves only), then click.
        await until(`the breakpoint hint when hovering the glyph margin of line ${target}`, UI_MS, async (attempt) => {
            await page.mouse.move(point.x + (attempt % 2), point.y);
            return page.evaluate((l) => window.__rewindUi.hintLines().includes(l), target);
        });
        await page.mouse.click(point.x, point.y);
        await waitFor(`a breakpoint glyph on line ${target}`, UI_MS, (l) => {
            const lines = window.__rewindUi.breakpointLines();
            return lines.length === 1 && lines[0] === l;
        }, target);
        await screenshot('breakpoint');
    });

    step('starts the launch configuration from the Run and Debug view: stops at the breakpoint', async () => {
        await clickSelector('the Run and Debug activity', '.activitybar a[aria-label^="Run and Debug"]');
        await waitFor('the Run and Debug view to offer "rewind: loop"', UI_MS, () => {
            const select = document.querySelector('.part.sidebar select[aria-label="Debug Launch Configurations"]');
            return select && select.selectedOptions[0]?.textContent === 'rewind: loop';
        });
        await clickSelector('the Run and Debug view\'s start button', '.part.sidebar .codicon-debug-start');
        await checkStop('the first stop', LAUNCH_MS, { line: line('point_x'), fn: 'main', vars: { i: '0' } }, 'Breakpoint', undefined, 'stopped-at-breakpoint');
    });

    step('Continue (toolbar): the next hit, one iteration later', async () => {
        await clickToolbar('Continue');
        await checkStop('Continue', STOP_MS, { line: line('point_x'), fn: 'main', vars: { i: '1', r: '3' } }, 'Breakpoint', 'forwards', 'continue');
    });

    step('Step Back (toolbar): the previous line, same iteration, before its call', async () => {
        await clickToolbar('Step Back');
        // At the start of `int r = step(i);` r still holds step(0)'s result.
        await checkStop('Step Back', STOP_MS, { line: line('loop_body'), fn: 'main', vars: { i: '1', r: '1' } }, 'Step', 'back', 'step-back');
    });

    step('Reverse (toolbar): back to the previous breakpoint hit', async () => {
        await clickToolbar('Reverse');
        await checkStop('Reverse', STOP_MS, { line: line('point_x'), fn: 'main', vars: { i: '0', r: '1' } }, 'Breakpoint', 'backwards', 'reverse');
    });

    step(
        'Reverse Step In (command palette): into the last line of step(), its closing brace',
        async () => {
            await page.keyboard.down('Control');
            await page.keyboard.down('Shift');
            await page.keyboard.press('KeyP');
            await page.keyboard.up('Shift');
            await page.keyboard.up('Control');
            await waitFor('the command palette', UI_MS, () => document.querySelector('.quick-input-widget:not([style*="display: none"]) input'));
            await page.keyboard.type('rewind: Reverse Step In');
            await waitFor('"rewind: Reverse Step In" as the first command palette entry', UI_MS, () => {
                const first = document.querySelector('.quick-input-widget .monaco-list-row.focused .label-name');
                return window.__rewindUi.text(first) === 'rewind: Reverse Step In';
            });
            await page.keyboard.press('Enter');
            // The last line of step(0) that ran: its closing brace, the line after step_return.
            const closingBrace = line('step_return') + 1;
            assert.equal(fs.readFileSync(loopSource, 'utf8').split('\n')[closingBrace - 1]?.trim(), '}');
            await checkStop('Reverse Step In', STOP_MS, { line: closingBrace, fn: 'step', vars: { x: '0', doubled: '0' } }, undefined, 'back', 'reverse-step-in');
        },
    );

    // VS Code's Call Stack header shows the first stop since the last `continued`: it
    // sends itself one after the DAP requests it knows to move the program (stepBack,
    // reverseContinue, …), not after a custom request such as reverseStepIn, so the
    // adapter sends `continued` before the stop of its custom movements
    // (reverseStepIn, reverseStepOut, gotoEvent); without it the header would still
    // name the breakpoint of the Reverse before.
    step(
        'Reverse Step In: the Call Stack header says Step, not the Breakpoint before it',
        () => expectHeader('Reverse Step In', 'Step'),
    );
});
