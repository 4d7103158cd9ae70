import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acceptanceLine, logLine, type Stats, statsLines, statusText } from '../src/status';

const stats: Stats = {
  requests: 12,
  upstreamRequests: 9,
  cancelled: 2,
  typeaheadHits: 3,
  errors: 1,
  promptTokens: 20000,
  cachedTokens: 17400,
  completionTokens: 300,
  reasoningTokens: 120,
  costUsd: 0.00123,
  cachedShare: 0.87,
  offered: 5,
  shown: 4,
  accepted: 1,
  partiallyAccepted: 2,
  acceptanceRate: 0.25,
  acceptanceBasis: 'shown',
  latencyMs: { p50: 310.4, p90: 520, p99: 900 },
  model: { configured: 'grok-code-fast-1', served: 'grok-code-fast-1-0825' },
  state: 'idle',
  lastError: 'HTTP 429: rate limited',
};

test('the hover leads with the cached share and the cost', () => {
  const lines = statsLines(stats);
  assert.equal(lines[0], 'Cached prompt share 87% · cost $0.0012');
  assert.equal(lines[1], 'Suggestions 4 shown, 1 accepted, 2 partly · 25% accepted');
  assert.equal(lines[2], 'Model grok-code-fast-1-0825 · idle');
  assert.ok(lines.includes('Latency p50 310 ms · p90 520 ms · p99 900 ms'));
  assert.equal(lines.at(-1), 'Last error: HTTP 429: rate limited');
});

test('no latency line before the first request, no error line without an error', () => {
  const lines = statsLines({ ...stats, latencyMs: null, lastError: null, model: { configured: 'm', served: null } });
  assert.equal(lines.length, 5);
  assert.equal(lines[2], 'Model m · idle');
});

test('without shown reports the rate is over the suggestions offered; none before the first', () => {
  assert.equal(acceptanceLine({ ...stats, shown: 0, acceptanceBasis: 'offered', acceptanceRate: 0.2 }), 'Suggestions 5 offered, 1 accepted, 2 partly · 20% accepted');
  assert.equal(acceptanceLine({ ...stats, offered: 0, shown: 0, accepted: 0, partiallyAccepted: 0, acceptanceRate: null, acceptanceBasis: 'offered' }), 'Suggestions 0 offered, 0 accepted, 0 partly');
});

test('each state has its own icon', () => {
  const texts = (['idle', 'thinking', 'error', 'paused'] as const).map(statusText);
  assert.equal(new Set(texts).size, 4);
  assert.ok(texts.every((text) => text.endsWith(' Grok')));
});

test('server log lines keep their level in the output channel; anything else is an error', () => {
  assert.deepEqual(logLine('2026-11-25 16:57:07,159 INFO grok_lsp.lifecycle: settings reloaded'), ['info', 'grok_lsp.lifecycle: settings reloaded']);
  assert.deepEqual(logLine('2026-11-25 16:57:07,159 WARNING grok_lsp.x: slow'), ['warn', 'grok_lsp.x: slow']);
  assert.deepEqual(logLine('2026-11-25 16:57:07,159 CRITICAL x: y'), ['error', 'x: y']);
  assert.deepEqual(logLine('Traceback (most recent call last):'), ['error', 'Traceback (most recent call last):']);
});
