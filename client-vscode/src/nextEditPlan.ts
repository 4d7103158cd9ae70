// Next-edit suggestions, the parts that need no editor: reading the server's answer to
// `textDocument/copilotInlineEdit`, what the decoration says, and what <Tab> does.

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** One edit as grok-lsp (and Copilot's server) sends it. */
export interface InlineEdit {
  text: string;
  range: Range;
  textDocument: { uri: string; version: number };
  command?: { title: string; command: string; arguments?: unknown[] };
}

const LABEL_CHARS = 60;

function isPosition(value: unknown): value is Position {
  const p = value as Position | null;
  return typeof p === 'object' && p !== null && Number.isInteger(p.line) && Number.isInteger(p.character);
}

/** The first well-formed edit of an answer `{edits: [...]}` for this document and version, or undefined. */
export function firstEdit(answer: unknown, uri: string, version: number): InlineEdit | undefined {
  const edits = (answer as { edits?: unknown } | null)?.edits;
  const edit = (Array.isArray(edits) ? edits[0] : undefined) as Partial<InlineEdit> | undefined;
  if (!edit || typeof edit.text !== 'string' || !isPosition(edit.range?.start) || !isPosition(edit.range.end)) {
    return undefined;
  }
  if (edit.textDocument?.uri !== uri || edit.textDocument.version !== version) {
    return undefined; // for another document, or a text that has changed since: never applied
  }
  return edit as InlineEdit;
}

/** What the decoration after the target shows: the new text on one line, shortened. */
export function label(edit: InlineEdit): string {
  const flat = edit.text.replace(/\r?\n/g, '⏎');
  const shown = flat.length > LABEL_CHARS ? `${flat.slice(0, LABEL_CHARS - 1)}…` : flat;
  const empty = edit.range.start.line === edit.range.end.line && edit.range.start.character === edit.range.end.character;
  if (!edit.text) {
    return ' Grok: delete (Tab)';
  }
  return ` ${empty ? 'Grok: insert' : 'Grok: →'} ${shown} (Tab)`;
}

/** <Tab> first jumps to the edit's line; on that line it applies the edit. */
export function tabAction(cursorLine: number, edit: InlineEdit): 'jump' | 'accept' {
  return cursorLine === edit.range.start.line ? 'accept' : 'jump';
}
