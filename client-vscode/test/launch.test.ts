import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { findServer, isExecutable, onPath, serverEnv } from '../src/launch';

const only = (...files: string[]) => (file: string): boolean => files.includes(file);
const none = { path: '', args: [] };

test('grok.server.path wins and is used as given, with grok.server.args', () => {
  const launch = findServer({ path: '/venv/bin/python', args: ['-m', 'grok_lsp'] }, { PATH: '/usr/bin' }, only('/usr/bin/grok-lsp'));
  assert.deepEqual(launch, { command: '/venv/bin/python', args: ['-m', 'grok_lsp'] });
});

test('else the first grok-lsp on PATH', () => {
  const env = { PATH: '/a::/b:/c' };
  const launch = findServer({ path: '', args: ['--log-level', 'debug'] }, env, only('/b/grok-lsp', '/c/grok-lsp', '/a/python3'));
  assert.deepEqual(launch, { command: '/b/grok-lsp', args: ['--log-level', 'debug'] });
});

test('else python3 -m grok_lsp, then python -m grok_lsp', () => {
  const env = { PATH: '/a:/b' };
  assert.deepEqual(findServer({ path: '', args: ['-v'] }, env, only('/b/python3', '/a/python')), {
    command: '/b/python3',
    args: ['-m', 'grok_lsp', '-v'],
  });
  assert.deepEqual(findServer(none, env, only('/a/python')), { command: '/a/python', args: ['-m', 'grok_lsp'] });
});

test('nothing found, or no PATH at all', () => {
  assert.equal(findServer(none, { PATH: '/a' }, () => false), undefined);
  assert.equal(findServer(none, {}, () => true), undefined);
});

test('Windows: ; separator, PATHEXT, and a Path variable in any case', () => {
  const env = { Path: 'C:\\Python;C:\\Tools', PATHEXT: '.EXE;.CMD' };
  assert.equal(onPath('grok-lsp', env, only('C:\\Tools\\grok-lsp.cmd'), 'win32'), 'C:\\Tools\\grok-lsp.cmd');
  assert.deepEqual(findServer(none, env, only('C:\\Python\\python.exe'), 'win32'), {
    command: 'C:\\Python\\python.exe',
    args: ['-m', 'grok_lsp'],
  });
});

test('isExecutable: an executable file only', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grok-launch-'));
  try {
    const run = path.join(dir, 'run');
    const text = path.join(dir, 'text');
    fs.writeFileSync(run, '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(text, '', { mode: 0o644 });
    assert.equal(isExecutable(run), true);
    assert.equal(isExecutable(dir), false);
    assert.equal(isExecutable(path.join(dir, 'missing')), false);
    assert.equal(isExecutable(text), false);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('the stored key becomes XAI_API_KEY; without one the environment is kept', () => {
  const env = { PATH: '/bin', XAI_API_KEY: 'from-env' };
  assert.deepEqual(serverEnv(env, 'from-secrets'), { PATH: '/bin', XAI_API_KEY: 'from-secrets' });
  assert.deepEqual(serverEnv(env, undefined), env);
  assert.equal(env.XAI_API_KEY, 'from-env');
});
