/**
 * A stand-in for the `vscode` module, enough for the extension's modules to load and run
 * under mocha without VS Code. `register.ts` makes `require('vscode')` return this
 * module; tests set `state` and read what the extension did from it.
 */

export interface Call {
    fn: string;
    args: unknown[];
}

/** What the fake VS Code returns, and what the extension asked of it. */
export const state = {
    settings: {} as Record<string, unknown>,
    activeDebugSession: undefined as unknown,
    activeStackItem: undefined as unknown,
    /** Answers for showInputBox / showQuickPick / showErrorMessage, in order (undefined: cancel). */
    inputAnswers: [] as (string | undefined)[],
    quickPickAnswers: [] as (number | undefined)[],
    errorAnswers: [] as (string | undefined)[],
    calls: [] as Call[],
    statusItems: [] as FakeStatusItem[],
    commands: new Map<string, (...args: unknown[]) => unknown>(),
};

export function reset(): void {
    state.settings = {};
    state.activeDebugSession = undefined;
    state.activeStackItem = undefined;
    state.inputAnswers = [];
    state.quickPickAnswers = [];
    state.errorAnswers = [];
    state.calls = [];
    state.statusItems = [];
    state.commands.clear();
}

export function callsOf(fn: string): unknown[][] {
    return state.calls.filter((c) => c.fn === fn).map((c) => c.args);
}

function record(fn: string, args: unknown[]): void {
    state.calls.push({ fn, args });
}

export class FakeStatusItem {
    text = '';
    tooltip: unknown = '';
    name: string | undefined;
    command: unknown;
    visible = false;
    disposed = false;
    show(): void {
        this.visible = true;
    }
    hide(): void {
        this.visible = false;
    }
    dispose(): void {
        this.visible = false;
        this.disposed = true;
    }
}

export class Disposable {
    constructor(private readonly onDispose: () => void = () => undefined) {}
    dispose(): void {
        this.onDispose();
    }
}

export class Uri {
    private constructor(readonly fsPath: string) {}
    static file(path: string): Uri {
        return new Uri(path);
    }
}

export class DebugAdapterExecutable {
    constructor(
        readonly command: string,
        readonly args: string[] = [],
        readonly options?: { cwd?: string; env?: Record<string, string> },
    ) {}
}

export enum StatusBarAlignment {
    Left = 1,
    Right = 2,
}

export const workspace = {
    getConfiguration(section: string, scope?: unknown) {
        record('getConfiguration', [section, scope]);
        return {
            get<T>(key: string, defaultValue?: T): T | undefined {
                const full = `${section}.${key}`;
                return full in state.settings ? (state.settings[full] as T) : defaultValue;
            },
        };
    },
};

export const window = {
    async showErrorMessage(message: string, ...items: string[]): Promise<string | undefined> {
        record('showErrorMessage', [message, ...items]);
        return state.errorAnswers.shift();
    },
    async showInformationMessage(message: string, ...items: string[]): Promise<string | undefined> {
        record('showInformationMessage', [message, ...items]);
        return undefined;
    },
    async showInputBox(options: { validateInput?: (text: string) => unknown }): Promise<string | undefined> {
        record('showInputBox', [options]);
        return state.inputAnswers.shift();
    },
    async showQuickPick<T>(items: T[], options: unknown): Promise<T | undefined> {
        record('showQuickPick', [items, options]);
        const index = state.quickPickAnswers.shift();
        return index === undefined ? undefined : items[index];
    },
    createStatusBarItem(...args: unknown[]): FakeStatusItem {
        record('createStatusBarItem', args);
        const item = new FakeStatusItem();
        state.statusItems.push(item);
        return item;
    },
};

export const commands = {
    registerCommand(id: string, callback: (...args: unknown[]) => unknown): Disposable {
        state.commands.set(id, callback);
        return new Disposable(() => state.commands.delete(id));
    },
    async executeCommand(id: string, ...args: unknown[]): Promise<unknown> {
        record('executeCommand', [id, ...args]);
        return undefined;
    },
};

export const debug = {
    get activeDebugSession(): unknown {
        return state.activeDebugSession;
    },
    get activeStackItem(): unknown {
        return state.activeStackItem;
    },
    registerDebugAdapterDescriptorFactory(type: string, factory: unknown): Disposable {
        record('registerDebugAdapterDescriptorFactory', [type, factory]);
        return new Disposable();
    },
    registerDebugConfigurationProvider(type: string, provider: unknown): Disposable {
        record('registerDebugConfigurationProvider', [type, provider]);
        return new Disposable();
    },
    registerDebugAdapterTrackerFactory(type: string, factory: unknown): Disposable {
        record('registerDebugAdapterTrackerFactory', [type, factory]);
        return new Disposable();
    },
    onDidChangeActiveDebugSession(listener: unknown): Disposable {
        record('onDidChangeActiveDebugSession', [listener]);
        return new Disposable();
    },
};
