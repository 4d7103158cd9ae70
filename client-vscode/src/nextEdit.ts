// Next-edit suggestions in VS Code, with the stable API only: after an edit pause the server is
// asked (Copilot's `textDocument/copilotInlineEdit`); its edit shows as a decoration at the
// target (the text it replaces highlighted, the new text after it); <Tab> jumps there, <Tab>
// again applies it, <Escape> dismisses it. The keys yield to ghost text and the suggest widget
// (see the `when` clauses in package.json), and the server never suggests at the cursor itself.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { firstEdit, type InlineEdit, label, tabAction } from './nextEditPlan';

const VISIBLE = 'grok.nextEditVisible'; // a context key, for the keybindings
const PAUSE_MS = 250; // after the last change, before asking (the server adds grok.nextEdit.debounceMs)

interface Shown {
  editor: vscode.TextEditor;
  edit: InlineEdit;
}

export function registerNextEdits(client: LanguageClient): vscode.Disposable {
  const decoration = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('diffEditor.removedTextBackground'),
    after: { color: new vscode.ThemeColor('editorGhostText.foreground'), fontStyle: 'italic' },
  });
  let shown: Shown | undefined;
  let timer: NodeJS.Timeout | undefined;
  let asking: vscode.CancellationTokenSource | undefined;

  const clear = (): void => {
    if (shown) {
      shown.editor.setDecorations(decoration, []);
      shown = undefined;
      void vscode.commands.executeCommand('setContext', VISIBLE, false);
    }
  };

  const show = (editor: vscode.TextEditor, edit: InlineEdit): void => {
    clear();
    const range = client.protocol2CodeConverter.asRange(edit.range);
    editor.setDecorations(decoration, [{ range, renderOptions: { after: { contentText: label(edit) } } }]);
    shown = { editor, edit };
    void vscode.commands.executeCommand('setContext', VISIBLE, true);
    void client.sendNotification('textDocument/didShowInlineEdit', { item: { command: edit.command } });
  };

  const ask = async (editor: vscode.TextEditor): Promise<void> => {
    asking?.cancel();
    const cancel = (asking = new vscode.CancellationTokenSource());
    const { document } = editor;
    const uri = document.uri.toString();
    const version = document.version;
    const params = {
      textDocument: { uri, version },
      position: client.code2ProtocolConverter.asPosition(editor.selection.active),
    };
    const answer: unknown = await client
      .sendRequest('textDocument/copilotInlineEdit', params, cancel.token)
      .catch(() => undefined); // cancelled, or failed (the server tells the user itself)
    // Shown only for the text it was computed from, in the editor still in front.
    const edit = firstEdit(answer, uri, document.version === version ? version : Number.NaN);
    if (edit && !cancel.token.isCancellationRequested && vscode.window.activeTextEditor === editor) {
      show(editor, edit);
    }
  };

  const tab = async (): Promise<void> => {
    if (!shown) {
      return;
    }
    const { editor, edit } = shown;
    if (editor.document.version !== edit.textDocument.version) {
      clear(); // never applied to a text that changed since
      return;
    }
    const range = client.protocol2CodeConverter.asRange(edit.range);
    if (tabAction(editor.selection.active.line, edit) === 'jump') {
      editor.selection = new vscode.Selection(range.start, range.start);
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      return;
    }
    clear();
    const applied = await editor.edit((builder) => {
      builder.replace(range, edit.text);
    });
    if (applied && edit.command) {
      // The client registered the server's commands: this tells grok-lsp it was taken.
      await vscode.commands.executeCommand(edit.command.command, ...(edit.command.arguments ?? []));
    }
  };

  const changed = (event: vscode.TextDocumentChangeEvent): void => {
    if (shown?.editor.document === event.document) {
      clear();
    }
    const editor = vscode.window.activeTextEditor;
    const enabled = vscode.workspace.getConfiguration('grok').get<boolean>('nextEdit.enabled', true);
    if (!enabled || editor?.document !== event.document || event.contentChanges.length === 0) {
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(() => void ask(editor), PAUSE_MS);
  };

  return vscode.Disposable.from(
    decoration,
    vscode.workspace.onDidChangeTextDocument(changed),
    vscode.window.onDidChangeActiveTextEditor(clear),
    vscode.commands.registerCommand('grok.nextEdit.tab', tab),
    vscode.commands.registerCommand('grok.nextEdit.dismiss', clear),
    {
      dispose: () => {
        clearTimeout(timer);
        asking?.cancel();
        clear();
      },
    },
  );
}
