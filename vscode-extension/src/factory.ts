/**
 * The debug adapter descriptor factory: every `rewind` session runs `<rewind.adapterPath> dap`,
 * which speaks DAP over stdin/stdout.
 */
import * as os from 'os';
import * as vscode from 'vscode';
import { ADAPTER_SETTING, AdapterLookup, FileSystem, findAdapter } from './adapterPath';

export interface AdapterEnvironment {
    env: Record<string, string | undefined>;
    homeDir: string;
    fileSystem?: FileSystem;
}

const defaultEnvironment = (): AdapterEnvironment => ({ env: process.env, homeDir: os.homedir() });

/** Looks up the adapter for a workspace folder (or none), from the `rewind.adapterPath` setting. */
export function lookUpAdapter(
    folder: vscode.WorkspaceFolder | undefined,
    environment: AdapterEnvironment = defaultEnvironment(),
): AdapterLookup {
    const setting = vscode.workspace.getConfiguration('rewind', folder?.uri).get<string>('adapterPath');
    return findAdapter(setting, {
        env: environment.env,
        baseDir: folder?.uri.fsPath,
        homeDir: environment.homeDir,
        fileSystem: environment.fileSystem,
    });
}

const OPEN_SETTINGS = 'Open Settings';

/** Shows why the adapter cannot be started, offering to open the `rewind.adapterPath` setting. */
export async function showAdapterError(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(message, OPEN_SETTINGS);
    if (choice === OPEN_SETTINGS) {
        await vscode.commands.executeCommand('workbench.action.openSettings', ADAPTER_SETTING);
    }
}

export class RewindAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
    constructor(private readonly environment: () => AdapterEnvironment = defaultEnvironment) {}

    createDebugAdapterDescriptor(session: vscode.DebugSession): vscode.DebugAdapterDescriptor {
        const folder = session.workspaceFolder;
        const found = lookUpAdapter(folder, this.environment());
        if (!found.ok) {
            // The configuration provider checks this first; reaching here means the
            // setting changed in between, or a session started without the provider.
            void showAdapterError(found.message);
            throw new Error(found.message);
        }
        const options: vscode.DebugAdapterExecutableOptions = {};
        if (folder !== undefined) {
            options.cwd = folder.uri.fsPath;
        }
        return new vscode.DebugAdapterExecutable(found.path, ['dap'], options);
    }
}
