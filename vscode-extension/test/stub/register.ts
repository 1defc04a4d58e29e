/**
 * Loaded by mocha before the tests (.mocharc.json): makes `require('vscode')` resolve to
 * the stand-in `./vscode`, since the real module only exists inside VS Code.
 */
import * as Module from 'module';
import * as path from 'path';

type Resolve = (request: string, parent: unknown, isMain: boolean, options: unknown) => string;
const loader = Module as unknown as { _resolveFilename: Resolve };
const original = loader._resolveFilename;
const stub = path.join(__dirname, 'vscode.js');

loader._resolveFilename = function (request, parent, isMain, options): string {
    return request === 'vscode' ? stub : original.call(this, request, parent, isMain, options);
};
