/**
 * Launch-configuration resolution for the `rewind` debug type, free of the `vscode`
 * module so that it can be unit-tested: what VS Code calls before variable
 * substitution (`fillDefaults`) and after it (`validateConfiguration`).
 *
 * The launch and attach arguments are those of `rewind dap` (docs/dap.md):
 * launch `{program, args, cwd, env, stopOnEntry, trace, traceDir, stdin}`, attach `{trace}`.
 */

export const DEBUG_TYPE = 'rewind';

/** A debug configuration as VS Code hands it over: anything may be missing or mistyped. */
export interface RawConfiguration {
    type?: unknown;
    request?: unknown;
    name?: unknown;
    [key: string]: unknown;
}

/** A checked launch or attach configuration of type `rewind`. */
export interface RewindConfiguration {
    type: 'rewind';
    request: 'launch' | 'attach';
    name: string;
    program?: string;
    args?: string[];
    cwd?: string;
    env?: Record<string, string | null>;
    stopOnEntry?: boolean;
    trace?: string;
    traceDir?: string;
    stdin?: string;
    [key: string]: unknown;
}

export type Validation =
    | { ok: true; config: RewindConfiguration }
    | { ok: false; message: string };

export const RECORD_NAME = 'Record and debug a program';
export const REPLAY_NAME = 'Replay a recording';

/** What `fillDefaults` may ask of its caller. */
export interface FillContext {
    /** Whether the session runs in a workspace folder (`${workspaceFolder}` is defined). */
    hasWorkspaceFolder: boolean;
    /**
     * Asks the user which program to record, for F5 without a launch.json;
     * `undefined` when the user cancels.
     */
    askProgram(): Promise<string | undefined>;
}

/** Whether a value is missing: undefined, null or an empty string. */
function missing(value: unknown): boolean {
    return value === undefined || value === null || value === '';
}

function isEmpty(config: RawConfiguration): boolean {
    return missing(config.type) && missing(config.request) && missing(config.name);
}

/**
 * Completes a configuration before VS Code substitutes variables in it. An empty one
 * (F5 with no launch.json) becomes "Record and debug a program" for a program the user
 * names; `undefined` means the user cancelled. A launch that records a program gets
 * `cwd: ${workspaceFolder}` when it has no `cwd` and a folder is open.
 */
export async function fillDefaults(
    config: RawConfiguration,
    context: FillContext,
): Promise<RawConfiguration | undefined> {
    let filled: RawConfiguration = { ...config };
    if (isEmpty(config)) {
        const program = await context.askProgram();
        if (program === undefined || program.trim() === '') {
            return undefined;
        }
        filled = { type: DEBUG_TYPE, request: 'launch', name: RECORD_NAME, program: program.trim() };
    }
    if (missing(filled.type)) {
        filled.type = DEBUG_TYPE;
    }
    if (missing(filled.request)) {
        filled.request = 'launch';
    }
    if (missing(filled.name)) {
        filled.name = filled.request === 'attach' || filled.trace !== undefined ? REPLAY_NAME : RECORD_NAME;
    }
    if (
        filled.request === 'launch' &&
        filled.program !== undefined &&
        filled.trace === undefined &&
        filled.cwd === undefined &&
        context.hasWorkspaceFolder
    ) {
        filled.cwd = '${workspaceFolder}';
    }
    return filled;
}

function isNonEmptyString(value: unknown): value is string {
    return typeof value === 'string' && value.trim() !== '';
}

function describe(config: RawConfiguration): string {
    return typeof config.name === 'string' && config.name !== '' ? `"${config.name}"` : 'this configuration';
}

/**
 * Checks a configuration after variable substitution. The messages say which field of
 * which configuration is wrong and what it should be.
 */
export function validateConfiguration(config: RawConfiguration): Validation {
    const which = describe(config);
    const fail = (message: string): Validation => ({ ok: false, message: `rewind: ${which}: ${message}` });

    if (config.type !== DEBUG_TYPE) {
        return fail(`"type" must be "${DEBUG_TYPE}".`);
    }
    if (config.request !== 'launch' && config.request !== 'attach') {
        return fail('"request" must be "launch" (record a program, or open a recording with "trace") or "attach" (open a recording given by "trace").');
    }
    const problems: string[] = [];
    const field = (key: string, ok: (v: unknown) => boolean, what: string): void => {
        const value = config[key];
        if (value !== undefined && !ok(value)) {
            problems.push(`"${key}" must be ${what}`);
        }
    };
    field('program', isNonEmptyString, 'a non-empty string (the program to record)');
    field('trace', isNonEmptyString, 'a non-empty string (a recording directory)');
    field('traceDir', isNonEmptyString, 'a non-empty string (a directory to create for the recording)');
    field('stdin', isNonEmptyString, 'a non-empty string (a file to read as the program\'s stdin)');
    field('cwd', isNonEmptyString, 'a non-empty string (a directory)');
    field('args', (v) => Array.isArray(v) && v.every((a) => typeof a === 'string'), 'an array of strings');
    field(
        'env',
        (v) =>
            typeof v === 'object' &&
            v !== null &&
            !Array.isArray(v) &&
            Object.values(v).every((e) => typeof e === 'string' || e === null),
        'an object whose values are strings (or null, to remove a variable)',
    );
    field('stopOnEntry', (v) => typeof v === 'boolean', 'true or false');
    if (problems.length > 0) {
        return fail(problems.join('; ') + '.');
    }

    if (config.request === 'attach') {
        if (config.trace === undefined) {
            return fail('an "attach" configuration needs "trace": the recording to open (a directory made by `rewind record`).');
        }
        const extra = ['program', 'args', 'env', 'stopOnEntry', 'traceDir', 'stdin'].filter((k) => config[k] !== undefined);
        if (extra.length > 0) {
            return fail(`"attach" only opens a recording ("trace"); ${extra.map((k) => `"${k}"`).join(', ')} belong to a "launch" configuration.`);
        }
    } else if (config.program === undefined && config.trace === undefined) {
        return fail('a "launch" configuration needs "program" (a program to record, then debug) or "trace" (an existing recording to replay); it has neither.');
    } else if (config.traceDir !== undefined && config.program === undefined) {
        return fail('"traceDir" says where to write the recording of "program", and there is no "program".');
    }
    return { ok: true, config: config as RewindConfiguration };
}
