import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { serverSettings } from '../src/settings';

const root = path.resolve(__dirname, '../..'); // out/test → client-vscode

test('serverSettings drops the extension-only keys and any apiKey, keeps the rest', () => {
  const section = {
    apiKey: 'sk-typed-into-settings-json',
    server: { path: '/x', args: [] },
    trace: { server: 'off' },
    model: null,
    completion: { enabled: false, maxLines: 3 },
    has: () => true, // WorkspaceConfiguration's methods are not data
  };
  assert.deepEqual(serverSettings(section), { model: null, completion: { enabled: false, maxLines: 3 } });
});

test('serverSettings of something that is not an object is empty', () => {
  for (const value of [undefined, null, 3, 'grok', ['a']]) {
    assert.deepEqual(serverSettings(value), {});
  }
});

// package.json must contribute one `grok.<key>` per field of the server's Settings model, with the
// same default and bounds. The truth is the model itself: its JSON schema is dumped by the Python
// that has grok_lsp installed (the repo's .venv, or $GROK_LSP_PYTHON). A schema file copied into this
// folder could go stale without anyone noticing; this cannot. Skipped where grok_lsp is not importable.

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  $defs?: Record<string, Schema>;
  $ref?: string;
  anyOf?: Schema[];
  items?: Schema;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
};

/** Settings that travel in the environment too: package.json leaves them unset (null) so that the
 * environment variable still applies; the server owns the default. */
const ENV_FALLBACK = new Set(['baseUrl', 'model']);
const EXTENSION_ONLY = new Set(['server.path', 'server.args', 'trace.server']);

function serverSchema(): { schema?: Schema; why?: string } {
  const venv = path.resolve(root, '../.venv/bin/python');
  const python = process.env.GROK_LSP_PYTHON ?? (fs.existsSync(venv) ? venv : 'python3');
  const dump = 'import json; from grok_lsp.settings import Settings; print(json.dumps(Settings.model_json_schema(by_alias=True)))';
  const run = spawnSync(python, ['-c', dump], { encoding: 'utf8' });
  if (run.status !== 0) {
    const reason = run.stderr.trim().split('\n').at(-1) || run.error?.message || `exit status ${run.status}`;
    return { why: `${python} cannot import grok_lsp.settings (${reason})` };
  }
  return { schema: JSON.parse(run.stdout) as Schema };
}

/** Leaf fields as dotted camelCase keys; nested models (`$ref`) are expanded, dict fields are leaves. */
function fields(schema: Schema, defs: Record<string, Schema>, prefix = ''): Map<string, Schema> {
  const out = new Map<string, Schema>();
  for (const [key, field] of Object.entries(schema.properties ?? {})) {
    const ref = field.$ref?.split('/').at(-1);
    const nested = ref === undefined ? undefined : defs[ref];
    if (nested) {
      fields(nested, defs, `${prefix}${key}.`).forEach((value, name) => out.set(name, value));
    } else {
      out.set(prefix + key, field);
    }
  }
  return out;
}

/** The non-null branch of `X | None`. */
const nonNull = (field: Schema): Schema => field.anyOf?.find((branch) => !('type' in branch && branch.type === 'null')) ?? field;
const types = (field: Schema): string[] => [field.type ?? field.anyOf?.map((branch) => branch.type) ?? []].flat(2).filter((t) => t !== undefined).sort();
const withoutNull = (values: unknown[] | undefined): unknown[] | undefined => values?.filter((value) => value !== null);

const { schema, why } = serverSchema();

test('package.json contributes every server setting, with its default and bounds', { skip: why }, () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, Schema> } };
  };
  const contributed = new Map(
    Object.entries(manifest.contributes.configuration.properties).map(([key, value]) => [key.replace(/^grok\./, ''), value]),
  );
  const server = fields(schema ?? {}, schema?.$defs ?? {});
  assert.ok(server.has('apiKey'), 'the schema dump lists the key field');
  server.delete('apiKey'); // secret storage or the environment, never a plain setting
  assert.equal(contributed.has('apiKey'), false);

  const ours = [...contributed.keys()].filter((key) => !EXTENSION_ONLY.has(key));
  assert.deepEqual(
    { missingFromPackageJson: [...server.keys()].filter((key) => !contributed.has(key)), notInSettingsPy: ours.filter((key) => !server.has(key)) },
    { missingFromPackageJson: [], notInSettingsPy: [] },
  );

  for (const [key, field] of server) {
    const mine = contributed.get(key) ?? {};
    const theirs = nonNull(field);
    if (ENV_FALLBACK.has(key)) {
      assert.equal(mine.default, null, `grok.${key}: leave unset so the environment applies`);
      assert.deepEqual(types(mine), [...types(field), 'null'].sort(), `grok.${key}: type`);
    } else {
      assert.deepEqual(types(mine), types(field), `grok.${key}: type`);
      if ('default' in field) {
        assert.deepEqual(mine.default, field.default, `grok.${key}: default`);
      }
    }
    assert.equal(mine.minimum, theirs.minimum, `grok.${key}: minimum`);
    assert.equal(mine.maximum, theirs.maximum, `grok.${key}: maximum`);
    assert.equal(mine.exclusiveMinimum, theirs.exclusiveMinimum, `grok.${key}: exclusiveMinimum`);
    assert.equal(mine.exclusiveMaximum, theirs.exclusiveMaximum, `grok.${key}: exclusiveMaximum`);
    assert.deepEqual(withoutNull(mine.enum), theirs.enum, `grok.${key}: enum`);
    assert.deepEqual(mine.items?.enum, theirs.items?.enum, `grok.${key}: enum of items`);
  }
});
