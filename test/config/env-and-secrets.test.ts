import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { ConfigError } from '../../src/errors.ts';
import { overridableSettings, overrideVariable } from '../../src/config/env-overrides.ts';
import { parseConfig } from '../../src/config/load.ts';
import { Secret } from '../../src/config/secret.ts';

const TOKEN = 'tok-7f3a9c2e51';
const PASSWORD = 'pw-b81d44e0';

function configError(text: string, env: NodeJS.ProcessEnv): ConfigError {
  try {
    parseConfig(text, { env });
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err;
  }
  assert.fail('the config was accepted');
}

test('an override variable is PANOPTES_ plus the path in upper snake case', () => {
  assert.equal(overrideVariable(['http', 'port']), 'PANOPTES_HTTP_PORT');
  assert.equal(overrideVariable(['gateway', 'logLevel']), 'PANOPTES_GATEWAY_LOG_LEVEL');
  assert.equal(overrideVariable(['inference', 'pool', 'maxBatch']), 'PANOPTES_INFERENCE_POOL_MAX_BATCH');
});

test('overrides exist for settings but not for lists, free-key maps or cameras', () => {
  const names = [...overridableSettings().keys()];
  for (const name of [
    'PANOPTES_HTTP_PORT',
    'PANOPTES_MQTT_URL',
    'PANOPTES_MQTT_OUTBOX_MAX_EVENTS',
    'PANOPTES_INFERENCE_BACKEND_TYPE',
    'PANOPTES_INFERENCE_BACKEND_MODEL_PATH',
    'PANOPTES_DECISIONS_RATE_LIMIT',
    'PANOPTES_DEFAULTS_AI_FPS',
  ]) {
    assert.ok(names.includes(name), `${name} is an override`);
  }
  for (const name of ['PANOPTES_HTTP_TOKENS', 'PANOPTES_DEFAULTS_TAGS', 'PANOPTES_DEFAULTS_ZONES', 'PANOPTES_CAMERAS']) {
    assert.ok(!names.includes(name), `${name} is not an override`);
  }
  const paths = [...overridableSettings().values()].map((s) => s.path.join('.'));
  assert.equal(new Set(paths).size, paths.length, 'no two paths share a variable name');
});

test('an environment override changes a setting, and values are read as JSON', () => {
  const config = parseConfig('http: {port: 8080}\nmqtt: {url: mqtt://a:1883}', {
    env: { PANOPTES_HTTP_PORT: '9000', PANOPTES_MQTT_URL: 'null', PANOPTES_GATEWAY_LOG_LEVEL: 'debug', PANOPTES_DEFAULTS_AI_FPS: '2.5' },
  });
  assert.equal(config.http.port, 9000);
  assert.equal(config.mqtt.url, null);
  assert.equal(config.gateway.logLevel, 'debug');
  assert.equal(config.defaults.ai.fps, 2.5);
});

test('a setting that can only be a string takes a numeric-looking value as text', () => {
  const config = parseConfig('', { env: { PANOPTES_MQTT_CLIENT_ID: '1234', PANOPTES_HTTP_HOST: '10.0.0.5' } });
  assert.equal(config.mqtt.clientId, '1234');
  assert.equal(config.http.host, '10.0.0.5');
});

test('overrides of camera defaults reach every camera', () => {
  const config = parseConfig('cameras: [{id: a, channel: 1, streams: {primary: a.mp4}, ai: {width: 320}}]', {
    env: { PANOPTES_DEFAULTS_AI_FPS: '3' },
  });
  assert.equal(config.cameras[0]?.ai.fps, 3);
  assert.equal(config.cameras[0]?.ai.width, 320);
});

test('a bad override names the variable next to the setting', () => {
  const err = configError('', {
    PANOPTES_HTTP_PORT: 'eighty',
    PANOPTES_INFERENCE_POOL_MAX_BATCH: '0',
    PANOPTES_DECISIONS_RATE_LIMIT: '{"burst": 0, "perMinute": 5}',
  });
  assert.deepEqual(err.problems, [
    'http.port (from PANOPTES_HTTP_PORT): expected a number, received a string',
    'inference.pool.maxBatch (from PANOPTES_INFERENCE_POOL_MAX_BATCH): expected a number >= 1',
    'decisions.rateLimit.burst (from PANOPTES_DECISIONS_RATE_LIMIT): expected a number >= 1',
  ]);
});

test('PANOPTES_ variables that are not settings are ignored', () => {
  const config = parseConfig('', { env: { PANOPTES_FFMPEG: '/usr/bin/ffmpeg', PANOPTES_SIMD: 'scalar', PANOPTES_HTTP_PORTT: '1' } });
  assert.equal(config.http.port, 8080);
});

test('${VAR} secrets are resolved into Secret values that only reveal() shows', () => {
  const config = parseConfig(
    "http: {tokens: ['${API_TOKEN}', 'Bearer-${API_TOKEN}']}\nmqtt: {username: svc, password: '${MQTT_PASSWORD}'}",
    {
      env: { API_TOKEN: TOKEN, MQTT_PASSWORD: PASSWORD },
    },
  );
  assert.deepEqual(
    config.http.tokens.map((t) => t.reveal()),
    [TOKEN, `Bearer-${TOKEN}`],
  );
  assert.equal(config.mqtt.password?.reveal(), PASSWORD);
  assert.ok(config.mqtt.password instanceof Secret);
});

test('a secret never appears in JSON.stringify, util.inspect, String() or a template of the loaded config', () => {
  const config = parseConfig("http: {tokens: ['${API_TOKEN}', 'literal-${API_TOKEN}']}\nmqtt: {password: '${MQTT_PASSWORD}'}", {
    env: { API_TOKEN: TOKEN, MQTT_PASSWORD: PASSWORD },
  });
  const shown = [JSON.stringify(config), inspect(config, { depth: Infinity }), String(config.mqtt.password), `${config.http.tokens[0]}`];
  for (const text of shown) {
    assert.ok(!text.includes(TOKEN) && !text.includes(PASSWORD), `leaked in: ${text.slice(0, 200)}`);
  }
  assert.match(JSON.stringify(config.http), /"tokens":\["\*\*\*","\*\*\*"\]/);
  assert.match(inspect(config.mqtt), /password: Secret\(\*\*\*\)/);
});

test('a secret written into the file itself is not echoed by an error about it', () => {
  const err = configError(`http: {tokens: ['${TOKEN}', 5]}\nmqtt: {password: ${PASSWORD}, prefix: 'a b'}`, {});
  assert.deepEqual(err.problems, [
    'http.tokens[1]: expected a string, received an integer',
    'mqtt.prefix: expected a topic prefix without spaces, # or +',
  ]);
  assert.ok(!err.message.includes(TOKEN) && !err.message.includes(PASSWORD));
});

test('a ${VAR} secret whose variable is not set is an error naming the field and the variable', () => {
  const err = configError("http: {tokens: ['${API_TOKEN}']}\nmqtt: {password: '${MQTT_PASSWORD}'}", { MQTT_PASSWORD: PASSWORD });
  assert.deepEqual(err.problems, [
    'http.tokens[0]: refers to ${API_TOKEN}, which is not set in the environment; set it or remove the reference',
  ]);
  assert.ok(!err.message.includes(PASSWORD));
});

test('stream URLs keep their ${VAR} references unresolved, so the parsed config never holds camera credentials', () => {
  const config = parseConfig("cameras: [{id: a, channel: 1, streams: {primary: 'rtsp://${CAM_USER}:${CAM_PASS}@10.0.0.1/main'}}]", {
    env: { CAM_USER: 'admin', CAM_PASS: PASSWORD },
  });
  assert.equal(config.cameras[0]?.streams.primary, 'rtsp://${CAM_USER}:${CAM_PASS}@10.0.0.1/main');
  assert.ok(!JSON.stringify(config).includes(PASSWORD));
});
