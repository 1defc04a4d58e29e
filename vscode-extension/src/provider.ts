/** The debug configuration provider of the `rewind` type: defaults, checks, and the adapter check. */
import * as vscode from 'vscode';
import { fillDefaults, validateConfiguration } from './config';
import { AdapterEnvironment, lookUpAdapter, showAdapterError } from './factory';

async function askProgram(): Promise<string | undefined> {
    return vscode.window.showInputBox({
        title: 'rewind: Record and debug a program',
        prompt: 'The program to record (absolute, relative to the workspace folder, or a name on PATH). Add a launch.json to keep arguments and settings.',
        placeHolder: './a.out',
        ignoreFocusOut: true,
    });
}

export class RewindConfigurationProvider implements vscode.DebugConfigurationProvider {
    constructor(private readonly environment?: () => AdapterEnvironment) {}

    async resolveDebugConfiguration(
        folder: vscode.WorkspaceFolder | undefined,
        config: vscode.DebugConfiguration,
    ): Promise<vscode.DebugConfiguration | undefined> {
        const filled = await fillDefaults(config, {
            hasWorkspaceFolder: folder !== undefined,
            askProgram,
        });
        return filled as vscode.DebugConfiguration | undefined;
    }

    /**
     * Checks the configuration once its variables are substituted, and that the adapter
     * can be found. `null` (a bad configuration) makes VS Code open launch.json;
     * `undefined` (no adapter) just stops.
     */
    resolveDebugConfigurationWithSubstitutedVariables(
        folder: vscode.WorkspaceFolder | undefined,
        config: vscode.DebugConfiguration,
    ): vscode.DebugConfiguration | null | undefined {
        const checked = validateConfiguration(config);
        if (!checked.ok) {
            void vscode.window.showErrorMessage(checked.message);
            return null;
        }
        const adapter = lookUpAdapter(folder, this.environment?.());
        if (!adapter.ok) {
            void showAdapterError(adapter.message);
            return undefined;
        }
        return checked.config;
    }
}
