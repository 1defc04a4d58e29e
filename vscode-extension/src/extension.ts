/** Entry point of the rewind extension: wires the debug type, the status bar and the commands. */
import * as vscode from 'vscode';
import { RewindCommands } from './commands';
import { DEBUG_TYPE } from './config';
import { RewindAdapterFactory } from './factory';
import { RewindConfigurationProvider } from './provider';
import { StatusView, TimelineStatus } from './tracker';

function statusBarView(item: vscode.StatusBarItem): StatusView {
    return {
        show(text: string, tooltip: string): void {
            item.text = text;
            item.tooltip = tooltip;
            item.show();
        },
        hide(): void {
            item.hide();
        },
    };
}

export function activate(context: vscode.ExtensionContext): void {
    const item = vscode.window.createStatusBarItem('rewind.timeline', vscode.StatusBarAlignment.Left, 50);
    item.name = 'rewind: current event';
    item.command = 'rewind.gotoEvent';
    const status = new TimelineStatus(statusBarView(item));

    context.subscriptions.push(
        item,
        vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new RewindAdapterFactory()),
        vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new RewindConfigurationProvider()),
        vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
            createDebugAdapterTracker: (session) => status.trackerFor(session),
        }),
        vscode.debug.onDidChangeActiveDebugSession((session) =>
            status.setActive(session?.type === DEBUG_TYPE ? session.id : undefined),
        ),
        ...new RewindCommands(status).register(),
    );
}

export function deactivate(): void {
    // Everything is disposed through the extension context's subscriptions.
}
