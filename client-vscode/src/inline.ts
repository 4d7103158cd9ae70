// Ghost text from grok-lsp, and what VS Code did with it. The server's items carry the command
// VS Code runs on a full accept (counted by the server). Shown and partly accepted items (Ctrl+Right
// takes a word) are reported with Copilot's notifications, through the provider hooks of VS Code's
// `inlineCompletionsAdditions` proposal. Where VS Code does not enable the proposal for this
// extension (Marketplace builds, unless started with `--enable-proposed-api grok-lsp.grok-lsp`),
// registering a provider with the hooks throws; the provider is then registered without them.
import * as vscode from 'vscode';
import {
  type DocumentSelector,
  InlineCompletionRequest,
  type InlineCompletionItem as LspItem,
  type LanguageClient,
} from 'vscode-languageclient/node';

export const DID_SHOW = 'textDocument/didShowCompletion';
export const DID_PARTIALLY_ACCEPT = 'textDocument/didPartiallyAcceptCompletion';

/** The length VS Code reports for a partial accept, whichever shape its version passes. */
export function acceptedLength(info: vscode.PartialAcceptInfo | number): number {
  return typeof info === 'number' ? info : info.acceptedLength;
}

/**
 * Registers the provider; returns it to dispose and whether VS Code reports shown items.
 * `reported` runs after each report, for the status bar's counts.
 */
export function registerInline(
  client: LanguageClient,
  selector: DocumentSelector,
  reported: () => void,
): { disposable: vscode.Disposable; reporting: boolean } {
  const sent = new WeakMap<vscode.InlineCompletionItem, LspItem>(); // each item as the server sent it
  const provider: vscode.InlineCompletionItemProvider = {
    async provideInlineCompletionItems(document, position, context, token) {
      const params = client.code2ProtocolConverter.asInlineCompletionParams(document, position, context);
      const result = await client.sendRequest(InlineCompletionRequest.type, params, token).catch((error: unknown) =>
        client.handleFailedRequest(InlineCompletionRequest.type, token, error, null),
      );
      if (!result || token.isCancellationRequested) {
        return undefined;
      }
      const raw = Array.isArray(result) ? result : result.items;
      const items = await client.protocol2CodeConverter.asInlineCompletionResult(raw, token);
      items.forEach((item, i) => {
        const original = raw[i];
        if (original) {
          sent.set(item, original);
        }
      });
      return items;
    },
  };
  const hooks: vscode.InlineCompletionItemProvider = {
    ...provider,
    handleDidShowCompletionItem(item) {
      const original = sent.get(item);
      if (original) {
        void client.sendNotification(DID_SHOW, { item: original }).then(reported);
      }
    },
    handleDidPartiallyAcceptCompletionItem(item, info) {
      const original = sent.get(item);
      if (original) {
        void client.sendNotification(DID_PARTIALLY_ACCEPT, { item: original, acceptedLength: acceptedLength(info) }).then(reported);
      }
    },
  };
  const documents = client.protocol2CodeConverter.asDocumentSelector(selector);
  try {
    return { disposable: vscode.languages.registerInlineCompletionItemProvider(documents, hooks), reporting: true };
  } catch {
    return { disposable: vscode.languages.registerInlineCompletionItemProvider(documents, provider), reporting: false };
  }
}
