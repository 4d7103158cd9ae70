// The two members of VS Code's `inlineCompletionsAdditions` API proposal that src/inline.ts uses
// (not in the stable API up to 1.140). Older VS Codes pass the accepted length as a number.
declare module 'vscode' {
  export interface PartialAcceptInfo {
    readonly acceptedLength: number;
  }

  export interface InlineCompletionItemProvider {
    handleDidShowCompletionItem?(completionItem: InlineCompletionItem, updatedInsertText: string): void;
    handleDidPartiallyAcceptCompletionItem?(completionItem: InlineCompletionItem, info: PartialAcceptInfo | number): void;
  }
}
