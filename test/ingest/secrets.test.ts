import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MissingSecretError } from '../../src/errors.ts';
import { referencedVariables, resolveSecrets } from '../../src/ingest/secrets.ts';
import { maskUrl } from '../../src/ingest/mask-url.ts';

const url = 'rtsp://${CAM_USER}:${CAM_PASS}@10.0.0.5:554/Streaming/101';

test('environment references in a camera URL are substituted and URL-encoded', () => {
  const resolved = resolveSecrets(url, 'gate', { CAM_USER: 'admin', CAM_PASS: 'p@ss:w/rd' });
  assert.equal(resolved, 'rtsp://admin:p%40ss%3Aw%2Frd@10.0.0.5:554/Streaming/101');
  assert.equal(maskUrl(resolved), 'rtsp://***:***@10.0.0.5:554/Streaming/101');
  assert.deepEqual(referencedVariables(url), ['CAM_USER', 'CAM_PASS']);
});

test('a missing variable is an error that names it and the camera, with code E_SECRET_MISSING', () => {
  assert.throws(
    () => resolveSecrets(url, 'gate', { CAM_USER: 'admin' }),
    (err: unknown) => {
      assert.ok(err instanceof MissingSecretError);
      assert.equal(err.code, 'E_SECRET_MISSING');
      assert.match(err.message, /camera 'gate' refers to \$\{CAM_PASS\}/);
      return true;
    },
  );
});

test('a lavfi filter graph gets its references as they are (file paths), not URL-encoded', () => {
  const graph = 'lavfi:movie=filename=${DEMO}/visitor.png[p]';
  assert.equal(
    resolveSecrets(graph, 'gate', { DEMO: '/opt/panoptes/build/demo' }),
    'lavfi:movie=filename=/opt/panoptes/build/demo/visitor.png[p]',
  );
});
