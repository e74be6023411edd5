import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SIMD_LEVELS, setSimdLevel, simdReport, type SimdLevelName } from '../../src/native/index.ts';
import { addon } from '../../src/native/load.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The SIMD report of a fresh Node process with `env` added (PANOPTES_SIMD is read when best is computed). */
function childReport(env: Record<string, string>): { best: string; active: string; supported: string[] } {
  const script = "import { simdReport } from './src/native/index.ts'; console.log(JSON.stringify(simdReport()));";
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out) as { best: string; active: string; supported: string[] };
}

describe('SIMD selection', () => {
  test('scalar is always compiled and supported, and best and active are supported levels', () => {
    const report = simdReport();
    assert.ok(report.compiled.includes('scalar'));
    assert.ok(report.supported.includes('scalar'));
    assert.ok(
      report.supported.every((l) => report.compiled.includes(l)),
      'supported is a subset of compiled',
    );
    assert.ok(report.supported.includes(report.best));
    assert.equal(report.active, report.best, 'a fresh process runs the best level');
    assert.ok([...report.compiled].every((l) => (SIMD_LEVELS as readonly string[]).includes(l)));
  });

  test('setSimdLevel switches the active level for every supported level and auto goes back to best', () => {
    const { supported, best } = simdReport();
    try {
      for (const level of supported) {
        setSimdLevel(level);
        assert.equal(simdReport().active, level);
      }
    } finally {
      setSimdLevel('auto');
    }
    assert.equal(simdReport().active, best);
  });

  test('an unsupported level is refused with E_SIMD_UNSUPPORTED and leaves the active level alone', () => {
    const { supported, active } = simdReport();
    const unsupported: string[] = SIMD_LEVELS.filter((l) => !supported.includes(l));
    for (const level of [...unsupported, 'sse9', '', 'AVX2']) {
      assert.throws(
        () => setSimdLevel(level as SimdLevelName),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'E_SIMD_UNSUPPORTED');
          assert.match(err.message, new RegExp(`SIMD level '${level}' is not available here \\(supported: ${supported.join(', ')}\\)`));
          return true;
        },
      );
      assert.equal(simdReport().active, active);
    }
  });

  test('the raw addon refuses a level this CPU cannot run with E_NATIVE_ARG', () => {
    const { supported } = simdReport();
    const codes = SIMD_LEVELS.map((l, i) => [l, i] as const).filter(([l]) => !supported.includes(l));
    for (const [name, code] of codes) {
      assert.throws(
        () => addon().sharpness(new Uint8Array(4), 2, 2, 0, 0, 2, 2, new Float64Array(3), code),
        {
          name: 'RangeError',
          code: 'E_NATIVE_ARG',
          message: `Expected a SIMD level this CPU and build support for simd level but received ${code} of type number`,
        },
        name,
      );
    }
  });

  test('PANOPTES_SIMD=scalar in a child process makes best scalar', () => {
    const report = childReport({ PANOPTES_SIMD: 'scalar' });
    assert.equal(report.best, 'scalar');
    assert.equal(report.active, 'scalar');
    assert.ok(report.supported.length >= 1, 'the cap lowers best, not what the CPU supports');
    assert.deepEqual(report.supported, simdReport().supported);
  });

  test('PANOPTES_SIMD can lower best but an unknown or unsupported name leaves it alone', () => {
    const { supported, best } = simdReport();
    for (const level of supported) assert.equal(childReport({ PANOPTES_SIMD: level }).best, level);
    for (const cap of ['bogus', ...SIMD_LEVELS.filter((l) => !supported.includes(l))]) {
      assert.equal(childReport({ PANOPTES_SIMD: cap }).best, best, `PANOPTES_SIMD=${cap}`);
    }
  });
});
