/**
 * Finding the `rewind` executable that serves debug sessions (`rewind dap`), from the
 * `rewind.adapterPath` setting. Free of the `vscode` module so that it can be unit-tested.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const ADAPTER_SETTING = 'rewind.adapterPath';
export const DEFAULT_ADAPTER = 'rewind';

export type AdapterLookup = { ok: true; path: string } | { ok: false; message: string };

/** How the lookup sees the file system (replaced in tests). */
export interface FileSystem {
    /** Whether `file` exists at all. */
    exists(file: string): boolean;
    /** Whether `file` is a regular file (after symlinks) that this process may execute. */
    isExecutableFile(file: string): boolean;
}

export const realFileSystem: FileSystem = {
    exists(file: string): boolean {
        return fs.existsSync(file);
    },
    isExecutableFile(file: string): boolean {
        try {
            if (!fs.statSync(file).isFile()) {
                return false;
            }
            fs.accessSync(file, fs.constants.X_OK);
            return true;
        } catch {
            return false;
        }
    },
};

export interface LookupOptions {
    /** The environment whose `PATH` is searched for a bare name. */
    env: Record<string, string | undefined>;
    /** Base of a relative path in the setting (the workspace folder); else the process's cwd. */
    baseDir?: string | undefined;
    /** `~` in the setting expands to this. */
    homeDir?: string;
    fileSystem?: FileSystem;
}

const INSTALL_HINT =
    'Install rewind (from a rewind checkout: `cargo install --path adapter`) so that `rewind` is on PATH, ' +
    `or set "${ADAPTER_SETTING}" to the full path of the rewind executable.`;

/**
 * Resolves the setting's value to an executable: a value with a `/` is a path (`~/`
 * expands to the home directory, a relative path is taken from `baseDir`); a bare name
 * (the default, `rewind`) is searched on `PATH` as a shell would. The failure message
 * says what was looked for, where, and names the setting.
 */
export function findAdapter(setting: string | undefined, options: LookupOptions): AdapterLookup {
    const fileSystem = options.fileSystem ?? realFileSystem;
    const value = setting === undefined || setting.trim() === '' ? DEFAULT_ADAPTER : setting.trim();

    if (value.includes('/')) {
        let file = value;
        if (file === '~' || file.startsWith('~/')) {
            file = path.join(options.homeDir ?? os.homedir(), file.slice(1));
        }
        file = path.resolve(options.baseDir ?? process.cwd(), file);
        if (!fileSystem.exists(file)) {
            return {
                ok: false,
                message: `rewind: the debug adapter "${file}" (setting "${ADAPTER_SETTING}") does not exist. ${INSTALL_HINT}`,
            };
        }
        if (!fileSystem.isExecutableFile(file)) {
            return {
                ok: false,
                message: `rewind: the debug adapter "${file}" (setting "${ADAPTER_SETTING}") is not an executable file. ${INSTALL_HINT}`,
            };
        }
        return { ok: true, path: file };
    }

    const searchPath = options.env.PATH ?? '';
    for (const dir of searchPath.split(path.delimiter)) {
        // An empty PATH entry means the current directory, which a debugger should not
        // search implicitly: skip it, like a relative entry.
        if (dir === '' || !path.isAbsolute(dir)) {
            continue;
        }
        const candidate = path.join(dir, value);
        if (fileSystem.isExecutableFile(candidate)) {
            return { ok: true, path: candidate };
        }
    }
    const where = searchPath === '' ? 'PATH is empty' : `PATH is ${searchPath}`;
    return {
        ok: false,
        message: `rewind: cannot find the debug adapter "${value}" (setting "${ADAPTER_SETTING}") on PATH (${where}). ${INSTALL_HINT}`,
    };
}
