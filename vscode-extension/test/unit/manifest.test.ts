/**
 * package.json against the code and against the adapter's contract (docs/dap.md): the
 * launch attributes, commands, activation and initial configurations must agree.
 */
import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { COMMANDS } from '../../src/commands';
import { RECORD_NAME, REPLAY_NAME, validateConfiguration } from '../../src/config';

const root = path.join(__dirname, '..', '..', '..');

interface Debugger {
    type: string;
    languages: string[];
    configurationAttributes: Record<string, { properties: Record<string, { description?: string }> }>;
    initialConfigurations: Record<string, unknown>[];
    configurationSnippets: { label: string; body: Record<string, unknown> }[];
}

interface Manifest {
    main: string;
    engines: { vscode: string };
    activationEvents: string[];
    devDependencies: Record<string, string>;
    contributes: {
        debuggers: Debugger[];
        breakpoints: { language: string }[];
        commands: { command: string; title: string; enablement?: string }[];
        configuration: { properties: Record<string, { default: unknown; markdownDescription: string; scope?: string }> };
    };
}

const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
const rewind = manifest.contributes.debuggers.find((d) => d.type === 'rewind');

/** The first column of the table under a heading-delimited part of docs/dap.md. */
function documentedLaunchFields(): string[] {
    const doc = fs.readFileSync(path.join(root, '..', 'docs', 'dap.md'), 'utf8');
    const start = doc.indexOf('`launch` arguments');
    assert.ok(start >= 0, 'docs/dap.md has no "`launch` arguments" table');
    const fields: string[] = [];
    for (const line of doc.slice(start).split('\n').slice(1)) {
        const match = /^\|\s*`(\w+)`\s*\|/.exec(line);
        if (match?.[1] !== undefined) {
            fields.push(match[1]);
        } else if (fields.length > 0 && !line.startsWith('|')) {
            break;
        }
    }
    return fields;
}

describe('package.json', () => {
    it('contributes the rewind debugger for C, C++ and Rust, with breakpoints there', () => {
        assert.ok(rewind);
        assert.deepEqual(rewind.languages, ['c', 'cpp', 'rust']);
        assert.deepEqual(manifest.contributes.breakpoints.map((b) => b.language), ['c', 'cpp', 'rust']);
    });

    it('declares exactly the launch attributes of docs/dap.md, each described', () => {
        assert.ok(rewind);
        const launch = rewind.configurationAttributes.launch?.properties ?? {};
        assert.deepEqual(Object.keys(launch).sort(), documentedLaunchFields().sort());
        assert.deepEqual(Object.keys(launch).sort(), ['args', 'cwd', 'env', 'program', 'stdin', 'stopOnEntry', 'trace', 'traceDir']);
        for (const [key, value] of Object.entries(launch)) {
            assert.ok((value.description ?? '').length > 20, `launch.${key} needs a description`);
        }
        assert.deepEqual(Object.keys(rewind.configurationAttributes.attach?.properties ?? {}), ['trace']);
    });

    it('offers valid "Record and debug" and "Replay" configurations and snippets', () => {
        assert.ok(rewind);
        assert.deepEqual(rewind.initialConfigurations.map((c) => c.name), [RECORD_NAME, REPLAY_NAME]);
        for (const config of rewind.initialConfigurations) {
            const checked = validateConfiguration(config);
            assert.ok(checked.ok, checked.ok ? '' : checked.message);
        }
        assert.deepEqual(
            rewind.configurationSnippets.map((s) => s.body.name),
            [RECORD_NAME, REPLAY_NAME],
        );
        for (const snippet of rewind.configurationSnippets) {
            assert.equal(snippet.body.type, 'rewind');
            assert.equal(snippet.body.request, 'launch');
        }
    });

    it('contributes the commands the extension registers, enabled in rewind sessions', () => {
        const contributed = manifest.contributes.commands.map((c) => c.command).sort();
        assert.deepEqual(contributed, Object.values(COMMANDS).sort());
        for (const command of manifest.contributes.commands) {
            assert.match(command.enablement ?? '', /debugType == rewind/);
            assert.ok(manifest.activationEvents.includes(`onCommand:${command.command}`));
        }
        assert.deepEqual(
            manifest.contributes.commands.map((c) => c.title).sort(),
            ['Add Bookmark', 'Go to Event…', 'Reverse Step In', 'Reverse Step Out'],
        );
    });

    it('has the adapter-path setting, defaulting to rewind on PATH', () => {
        const setting = manifest.contributes.configuration.properties['rewind.adapterPath'];
        assert.ok(setting);
        assert.equal(setting.default, 'rewind');
        assert.match(setting.markdownDescription, /PATH/);
    });

    it('reads the adapter path from User settings in a remote window too (scope "resource")', () => {
        // In a remote window (code-server, Remote-SSH, WSL, containers) VS Code reads the
        // User settings with the scopes application, window, resource and
        // language-overridable only: a "machine" or "machine-overridable" setting set
        // there is ignored, and rewind was looked for on PATH (test/ui shows it).
        // "resource" applies from User, Remote, Workspace and folder settings alike; the
        // factory reads it for the session's folder.
        const setting = manifest.contributes.configuration.properties['rewind.adapterPath'];
        assert.equal(setting?.scope, 'resource');
    });

    it('activates on rewind sessions and builds to its main', () => {
        assert.ok(manifest.activationEvents.includes('onDebugResolve:rewind'));
        assert.equal(manifest.main, './out/extension.js');
        // @types/vscode must not be newer than the oldest VS Code the extension supports.
        assert.equal(manifest.engines.vscode, '^1.80.0');
        assert.equal(manifest.devDependencies['@types/vscode'], '~1.80.0');
    });
});
