// The shapes of `grok/status` and `grok/stats`, how the status bar shows them, and how the
// output channel shows the server's log.

export type ServerState = 'idle' | 'thinking' | 'error' | 'paused';

/** Params of the `grok/status` notification. */
export interface Status {
  state: ServerState;
  message: string | null;
}

/** Result of the `grok/stats` request. */
export interface Stats {
  requests: number;
  upstreamRequests: number;
  cancelled: number;
  typeaheadHits: number;
  errors: number;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  costUsd: number;
  cachedShare: number;
  offered: number;
  shown: number;
  accepted: number;
  partiallyAccepted: number;
  acceptanceRate: number | null;
  acceptanceBasis: 'shown' | 'offered';
  latencyMs: { p50: number; p90: number; p99: number } | null;
  model: { configured: string; served: string | null };
  state: ServerState;
  lastError: string | null;
}

const ICONS: Record<ServerState, string> = { idle: '$(sparkle)', thinking: '$(loading~spin)', error: '$(error)', paused: '$(circle-slash)' };

export function statusText(state: ServerState): string {
  return `${ICONS[state]} Grok`;
}

/** Shown, accepted, partly accepted, and the acceptance rate (Copilot's published one is about 27%). */
export function acceptanceLine(stats: Stats): string {
  const rate = stats.acceptanceRate === null ? '' : ` · ${(stats.acceptanceRate * 100).toFixed(0)}% accepted`;
  const shown = stats.acceptanceBasis === 'shown' ? `${stats.shown} shown` : `${stats.offered} offered`;
  return `Suggestions ${shown}, ${stats.accepted} accepted, ${stats.partiallyAccepted} partly${rate}`;
}

/** Cached share and cost first (the status bar hover), then acceptance, then the rest. */
export function statsLines(stats: Stats): string[] {
  const latency = stats.latencyMs && [stats.latencyMs.p50, stats.latencyMs.p90, stats.latencyMs.p99].map(Math.round);
  return [
    `Cached prompt share ${(stats.cachedShare * 100).toFixed(0)}% · cost $${stats.costUsd.toFixed(4)}`,
    acceptanceLine(stats),
    `Model ${stats.model.served ?? stats.model.configured} · ${stats.state}`,
    `${stats.requests} requests: ${stats.upstreamRequests} to the API, ${stats.typeaheadHits} typeahead hits, ` +
      `${stats.cancelled} cancelled, ${stats.errors} errors`,
    `Tokens: ${stats.promptTokens} prompt (${stats.cachedTokens} cached), ` +
      `${stats.completionTokens} completion (${stats.reasoningTokens} reasoning)`,
    latency ? `Latency p50 ${latency[0]} ms · p90 ${latency[1]} ms · p99 ${latency[2]} ms` : '',
    stats.lastError ? `Last error: ${stats.lastError}` : '',
  ].filter(Boolean);
}

const LEVELS = { DEBUG: 'debug', INFO: 'info', WARNING: 'warn', ERROR: 'error', CRITICAL: 'error' } as const;

/**
 * A line the server wrote to stderr (`<date> <time> LEVEL logger: text`) as the output channel's
 * level and the text (the channel adds its own time). Other lines, such as a traceback's, are errors.
 */
export function logLine(line: string): [level: 'debug' | 'info' | 'warn' | 'error', text: string] {
  const match = /^\S+ \S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) (.*)$/.exec(line) as [string, keyof typeof LEVELS, string] | null;
  return match ? [LEVELS[match[1]], match[2]] : ['error', line];
}
