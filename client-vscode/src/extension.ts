// Starts grok-lsp over stdio and restarts it when asked or when its launch settings change;
// a status bar item fed by the server, and commands for stats, restart, completions and the key.
import * as readline from 'node:readline';
import type { Readable } from 'node:stream';
import * as vscode from 'vscode';
import { DidChangeConfigurationNotification, LanguageClient, State } from 'vscode-languageclient/node';
import { registerInline } from './inline';
import { findServer, isExecutable, serverEnv } from './launch';
import { registerNextEdits } from './nextEdit';
import { serverSettings } from './settings';
import { logLine, type Stats, type Status, statsLines, statusText } from './status';

const SECRET_KEY = 'grok.apiKey';
const DOCUMENTS = [{ scheme: 'file' }, { scheme: 'untitled' }];

let client: LanguageClient | undefined;
let nextEdits: vscode.Disposable | undefined; // next-edit suggestions, for the running client
let inline: vscode.Disposable | undefined; // src/inline.ts's provider, for the running client
let pending: Promise<void> = Promise.resolve(); // starts and stops, one at a time
let output: vscode.LogOutputChannel;
let item: vscode.StatusBarItem;
let current: Status = { state: 'idle', message: null }; // the last status shown

export function activate(context: vscode.ExtensionContext): void {
  output = vscode.window.createOutputChannel('Grok', { log: true });
  item = vscode.window.createStatusBarItem('grok.status', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Grok';
  item.command = 'grok.showStats';
  item.text = statusText('idle');
  item.show();
  const restart = (): Promise<void> =>
    (pending = pending.then(() => start(context.secrets)).catch((error: unknown) => {
      output.error(`The server did not start: ${String(error)}`);
      void show({ state: 'error', message: 'The server did not start; see the Grok output.' });
    }));
  context.subscriptions.push(
    output,
    item,
    vscode.commands.registerCommand('grok.restart', restart),
    vscode.commands.registerCommand('grok.showStats', showStats),
    vscode.commands.registerCommand('grok.toggleCompletions', toggleCompletions),
    vscode.commands.registerCommand('grok.setApiKey', () => setApiKey(context.secrets)),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('grok.server') && restart()),
    context.secrets.onDidChange((e) => e.key === SECRET_KEY && restart()),
  );
  void restart();
}

export function deactivate(): Promise<void> {
  return (pending = pending.then(stop));
}

async function stop(): Promise<void> {
  const old = client;
  client = undefined;
  nextEdits?.dispose();
  nextEdits = undefined;
  inline?.dispose();
  inline = undefined;
  await old?.stop(2000).catch(() => undefined); // one that never started cannot stop
}

async function start(secrets: vscode.SecretStorage): Promise<void> {
  await stop();
  const grok = vscode.workspace.getConfiguration('grok');
  const server = { path: grok.get<string>('server.path') ?? '', args: grok.get<string[]>('server.args') ?? [] };
  const launch = findServer(server, process.env, isExecutable);
  if (!launch) {
    throw new Error('neither grok-lsp nor python3 is on PATH: install grok-lsp (pip or pipx) or set grok.server.path');
  }
  output.info(`Starting ${[launch.command, ...launch.args].join(' ')}`);
  const next: LanguageClient = new LanguageClient(
    'grok',
    'Grok',
    { command: launch.command, args: launch.args, options: { env: serverEnv(process.env, await secrets.get(SECRET_KEY)) } },
    {
      documentSelector: DOCUMENTS,
      outputChannel: output,
      stdioOptions: { stdout: pipeLog, stderr: pipeLog }, // stdout carries the protocol: only stderr is read
      initializationOptions: serverSettings(grok),
      // The server pulls `grok`, and pulls again when this push says it changed (the middleware filters both).
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      synchronize: { configurationSection: 'grok' },
      middleware: {
        provideInlineCompletionItems: () => undefined, // src/inline.ts's provider asks instead
        // An accepted suggestion runs the server's command: the counts in the hover change.
        executeCommand: async (command, args, execute) => {
          try {
            return (await execute(command, args)) as unknown;
          } finally {
            void show(current);
          }
        },
        workspace: {
          configuration: async (params, token, ask) => {
            const answer = await ask(params, token);
            return Array.isArray(answer)
              ? answer.map((value: unknown, i) => (params.items[i]?.section === 'grok' ? serverSettings(value) : value))
              : answer;
          },
          didChangeConfiguration: () =>
            next.sendNotification(DidChangeConfigurationNotification.type, {
              settings: { grok: serverSettings(vscode.workspace.getConfiguration('grok')) },
            }),
        },
      },
    },
  );
  next.onNotification('grok/status', (status: Status) => void show(status));
  next.onDidChangeState(({ newState }) => {
    if (newState === State.Stopped) {
      void show({ state: 'error', message: 'The server stopped; see the Grok output.' });
    }
  });
  client = next; // before start(), so that a failed start is stopped too
  await next.start();
  nextEdits = registerNextEdits(next);
  const registered = registerInline(next, DOCUMENTS, () => void show(current));
  inline = registered.disposable;
  output.info(registered.reporting ? 'Shown and partly accepted suggestions are reported' : 'VS Code does not enable the inlineCompletionsAdditions proposal: shown and partly accepted suggestions are not counted');
  await show({ state: 'idle', message: null });
}

/** The server's log lines into the output channel, each at its own level. */
function pipeLog(input: Readable, channel: vscode.LogOutputChannel): void {
  readline.createInterface({ input, crlfDelay: Infinity }).on('line', (line) => {
    const [level, text] = logLine(line);
    channel[level](text);
  });
}

/** The state at once; then the hover: the server's message and the session's stats. */
async function show(status: Status): Promise<void> {
  current = status;
  item.text = statusText(status.state);
  item.backgroundColor = status.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  item.tooltip = status.message ?? undefined;
  if (client?.isRunning() && status.state !== 'thinking') {
    const stats = await client.sendRequest<Stats>('grok/stats', {}).catch((error: unknown) => {
      output.warn(`grok/stats failed: ${String(error)}`);
    });
    item.tooltip = [status.message, ...(stats ? statsLines(stats) : [])].filter(Boolean).join('\n');
  }
}

async function showStats(): Promise<void> {
  if (!client?.isRunning()) {
    void vscode.window.showWarningMessage('Grok: the server is not running; see the Grok output.');
    return;
  }
  // Always `{}`: pygls never answers a request without params.
  const [summary, ...detail] = statsLines(await client.sendRequest<Stats>('grok/stats', {}));
  void vscode.window.showInformationMessage(`Grok: ${summary}`, { modal: true, detail: detail.join('\n') });
}

async function toggleCompletions(): Promise<void> {
  const grok = vscode.workspace.getConfiguration('grok');
  const enabled = !grok.get<boolean>('completion.enabled');
  const inWorkspace = grok.inspect('completion.enabled')?.workspaceValue !== undefined;
  await grok.update('completion.enabled', enabled, inWorkspace ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
  vscode.window.setStatusBarMessage(`Grok completions ${enabled ? 'on' : 'off'}`, 3000);
}

async function setApiKey(secrets: vscode.SecretStorage): Promise<void> {
  const key = await vscode.window.showInputBox({
    title: 'Grok: Set API Key',
    prompt: 'Your xAI API key, kept in VS Code secret storage (it wins over XAI_API_KEY). Empty removes it.',
    password: true,
    ignoreFocusOut: true,
  });
  if (key !== undefined) {
    await (key.trim() ? secrets.store(SECRET_KEY, key.trim()) : secrets.delete(SECRET_KEY)); // onDidChange restarts
  }
}
