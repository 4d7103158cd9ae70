import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstEdit, type InlineEdit, label, tabAction } from '../src/nextEditPlan';

const URI = 'file:///work/demo.py';
const edit: InlineEdit = {
  text: 'total',
  range: { start: { line: 4, character: 6 }, end: { line: 4, character: 12 } },
  textDocument: { uri: URI, version: 7 },
  command: { title: 'Grok: next edit', command: 'grok.nextEditAccepted', arguments: ['id'] },
};

test('the first edit of the answer, only for this document and version', () => {
  assert.deepEqual(firstEdit({ edits: [edit] }, URI, 7), edit);
  assert.equal(firstEdit({ edits: [edit] }, URI, 8), undefined); // typed since: stale
  assert.equal(firstEdit({ edits: [edit] }, 'file:///other.py', 7), undefined);
  assert.equal(firstEdit({ edits: [] }, URI, 7), undefined);
  assert.equal(firstEdit(null, URI, 7), undefined);
  assert.equal(firstEdit({ edits: [{ ...edit, range: { start: { line: 'x' } } }] }, URI, 7), undefined);
});

test('the label says what replaces, inserts or deletes, on one short line', () => {
  assert.equal(label(edit), ' Grok: → total (Tab)');
  const insert = { ...edit, text: 'a\nb', range: { start: edit.range.start, end: edit.range.start } };
  assert.equal(label(insert), ' Grok: insert a⏎b (Tab)');
  assert.equal(label({ ...edit, text: '' }), ' Grok: delete (Tab)');
  assert.ok(label({ ...edit, text: 'x'.repeat(200) }).length < 80);
});

test('Tab jumps to the edit first, and accepts it on its line', () => {
  assert.equal(tabAction(0, edit), 'jump');
  assert.equal(tabAction(4, edit), 'accept');
});
