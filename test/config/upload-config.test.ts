import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { parseConfig } from '../../src/config/load.ts';
import { Secret } from '../../src/config/secret.ts';
import { ConfigError } from '../../src/errors.ts';

const SECRET = 'sk-51c0ffee9d';

function problems(text: string, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    parseConfig(text, { env });
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('the config was accepted');
}

const s3 = (extra = '', bucket = 'clips') =>
  `storage: { upload: { enabled: true, target: { type: s3, bucket: ${bucket}, accessKeyId: AKID, secretAccessKey: "\${S3_SECRET}"${extra} } } }`;

test('uploads are off by default and need no target then', () => {
  const config = parseConfig('cameras: []', { env: {} });
  assert.equal(config.storage.upload.enabled, false);
  assert.equal(config.storage.upload.target, undefined);
  assert.equal(config.storage.upload.concurrency, 2);
  assert.deepEqual(config.storage.upload.retry, { initialSeconds: 5, maxSeconds: 900, factor: 2, jitter: 0.2, maxAttempts: 20 });
});

test('an S3 target reads its secret from ${VAR}, and the secret prints as *** everywhere', () => {
  const config = parseConfig(s3(), { env: { S3_SECRET: SECRET } });
  const target = config.storage.upload.target;
  assert.equal(target?.type, 's3');
  if (target?.type !== 's3') return;
  assert.ok(target.secretAccessKey instanceof Secret);
  assert.equal(target.secretAccessKey.reveal(), SECRET);
  assert.equal(target.region, 'us-east-1');
  assert.equal(target.forcePathStyle, false);
  for (const shown of [JSON.stringify(config), inspect(config, { depth: 10 }), String(target.secretAccessKey)])
    assert.ok(!shown.includes(SECRET), shown.slice(0, 200));
});

test('the secret access key can come from PANOPTES_STORAGE_UPLOAD_TARGET_SECRET_ACCESS_KEY', () => {
  const config = parseConfig(s3(), { env: { S3_SECRET: 'from-file', PANOPTES_STORAGE_UPLOAD_TARGET_SECRET_ACCESS_KEY: SECRET } });
  const target = config.storage.upload.target;
  assert.equal(target?.type === 's3' ? target.secretAccessKey.reveal() : null, SECRET);
});

test('config errors name the upload field and the fix', () => {
  assert.deepEqual(problems('storage: { upload: { enabled: true } }'), [
    'storage.upload.target: required when enabled: {type: s3, bucket, accessKeyId, secretAccessKey, ...} or {type: http, url}',
  ]);
  assert.match(problems(s3(), {}).join('\n'), /^storage\.upload\.target\.secretAccessKey: refers to \$\{S3_SECRET\}, which is not set/m);
  assert.match(
    problems(s3('', 'Bad_Bucket'), { S3_SECRET: SECRET }).join('\n'),
    /storage\.upload\.target\.bucket: expected an S3 bucket name/,
  );
  assert.match(
    problems(s3(', endpoint: "ftp://host"'), { S3_SECRET: SECRET }).join('\n'),
    /storage\.upload\.target\.endpoint: expected an http:\/\/ or https:\/\/ URL/,
  );
  assert.match(
    problems('storage: { upload: { enabled: true, target: { type: http, url: "https://host/panoptes/" } } }').join('\n'),
    /storage\.upload\.target\.url: expected \{key\} \(or \{event\}\) in the URL/,
  );
  assert.match(problems('storage: { upload: { target: { type: ftp } } }').join('\n'), /storage\.upload\.target\.type/);
  assert.match(problems('storage: { upload: { retry: { jitter: 2 } } }').join('\n'), /storage\.upload\.retry\.jitter/);
  const leaked = problems(s3(', region: ""'), { S3_SECRET: SECRET }).join('\n');
  assert.match(leaked, /storage\.upload\.target\.region/);
  assert.ok(!leaked.includes(SECRET));
});
