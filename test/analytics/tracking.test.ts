import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assign } from '../../src/analytics/tracking/assignment.ts';
import { associationCost } from '../../src/analytics/tracking/association.ts';
import { BoxKalman } from '../../src/analytics/tracking/kalman.ts';
import { coveredByOthers, coveredFraction } from '../../src/analytics/tracking/box.ts';
import type { Rect } from '../../src/native/index.ts';
import { Random } from '../support/random.ts';

const box = (cx: number, cy: number, w: number, h: number): Rect => ({ x: cx - w / 2, y: cy - h / 2, width: w, height: h });
const centre = (r: Rect): [number, number] => [r.x + r.width / 2, r.y + r.height / 2];

describe('box Kalman filter', () => {
  test('on noisy boxes of an object moving at constant speed it learns the speed to within 5%', () => {
    const random = new Random(11);
    const kf = new BoxKalman(box(50, 100, 30, 60));
    // 120 px/s right, 30 px/s down, measured every 100 ms with +-2 px of uniform noise on every edge.
    for (let n = 1; n <= 40; n++) {
      kf.predict(0.1);
      const noise = (): number => (random.float() - 0.5) * 4;
      kf.update(box(50 + 12 * n + noise(), 100 + 3 * n + noise(), 30 + noise(), 60 + noise()));
    }
    const v = kf.velocity();
    assert.ok(Math.abs(v.x - 120) < 6, `vx ${v.x}`);
    assert.ok(Math.abs(v.y - 30) < 6, `vy ${v.y}`);
    const [cx, cy] = centre(kf.box());
    assert.ok(Math.abs(cx - 530) < 2 && Math.abs(cy - 220) < 2, `centre ${cx}, ${cy}`);
  });

  test('the filtered position is closer to the truth than the noisy measurements are', () => {
    const random = new Random(5);
    const kf = new BoxKalman(box(0, 0, 40, 40));
    let measuredError = 0,
      filteredError = 0;
    for (let n = 1; n <= 60; n++) {
      kf.predict(0.1);
      const mx = 8 * n + (random.float() - 0.5) * 8;
      kf.update(box(mx, 0, 40, 40));
      if (n > 10) {
        measuredError += Math.abs(mx - 8 * n);
        filteredError += Math.abs(centre(kf.box())[0] - 8 * n);
      }
    }
    // Measured: 0.81 of the measurement error with this noise (the filter trusts a 2 px measurement std).
    assert.ok(filteredError < 0.9 * measuredError, `filtered ${filteredError}, measured ${measuredError}`);
  });

  test('without measurements it coasts along its velocity, keeps its size when told to, and grows less sure', () => {
    const kf = new BoxKalman(box(0, 0, 20, 40));
    for (let n = 1; n <= 10; n++) {
      kf.predict(0.1);
      kf.update(box(10 * n, 0, 20 + n, 40));
    }
    const sure = kf.positionStd();
    const before = kf.box();
    kf.holdSize();
    for (let n = 0; n < 5; n++) kf.predict(0.1);
    const after = kf.box();
    assert.ok(Math.abs(centre(after)[0] - (centre(before)[0] + 50)) < 3, `coasted to ${centre(after)[0]}`);
    assert.equal(after.width, before.width);
    assert.ok(kf.positionStd() > sure);
  });

  test('a prediction over 0.3 s equals three of 0.1 s for the mean (time, not frames)', () => {
    const a = new BoxKalman(box(0, 0, 20, 20)),
      b = new BoxKalman(box(0, 0, 20, 20));
    for (const kf of [a, b]) {
      kf.predict(0.1);
      kf.update(box(5, 2, 20, 20));
    }
    a.predict(0.3);
    for (let i = 0; i < 3; i++) b.predict(0.1);
    const [ba, bb] = [a.box(), b.box()];
    for (const k of ['x', 'y', 'width', 'height'] as const) assert.ok(Math.abs(ba[k] - bb[k]) < 1e-9, k);
  });
});

/** The least total cost over every way of pairing rows with distinct columns (allowed pairs only), by brute force. */
function bruteForce(cost: number[][], cols: number, maxCost: number): { pairs: number; total: number } {
  let best = { pairs: 0, total: 0 };
  const used = new Array<boolean>(cols).fill(false);
  const walk = (row: number, pairs: number, total: number): void => {
    if (row === cost.length) {
      if (pairs > best.pairs || (pairs === best.pairs && total < best.total - 1e-12)) best = { pairs, total };
      return;
    }
    walk(row + 1, pairs, total);
    for (let j = 0; j < cols; j++) {
      const c = cost[row]![j]!;
      if (used[j] || !(c <= maxCost)) continue;
      used[j] = true;
      walk(row + 1, pairs + 1, total + c);
      used[j] = false;
    }
  };
  walk(0, 0, 0);
  return best;
}

describe('gated linear assignment', () => {
  test('it finds the optimum where greedy best-pair-first does not', () => {
    // Greedy takes (0,0) at 0.1 and must then pay 0.9 for (1,1): 1.0. The optimum is 0.2 + 0.2.
    const cost = [
      [0.1, 0.2],
      [0.2, 0.9],
    ];
    assert.deepEqual(
      assign(cost, 2, 2).map((p) => [p.row, p.col]),
      [
        [0, 1],
        [1, 0],
      ],
    );
  });

  test('pairs over the gate, infinite or NaN are never returned, and a row may stay unpaired', () => {
    const cost = [
      [Infinity, 0.5, 3],
      [NaN, 2.5, Infinity],
      [0.3, 0.4, 0.1],
    ];
    assert.deepEqual(
      assign(cost, 3, 2).map((p) => [p.row, p.col, p.cost]),
      [
        [0, 1, 0.5],
        [2, 2, 0.1],
      ],
    );
    assert.deepEqual(assign([[5, 6]], 2, 2), []);
    assert.deepEqual(assign([], 3, 2), []);
    assert.deepEqual(assign([[], []], 0, 2), []);
  });

  test('on 300 random gated matrices up to 5x6 it pairs as many rows as possible at the least total cost', () => {
    const random = new Random(2024);
    for (let k = 0; k < 300; k++) {
      const rows = random.int(1, 5),
        cols = random.int(1, 6);
      const cost = Array.from({ length: rows }, () =>
        Array.from({ length: cols }, () => (random.float() < 0.3 ? Infinity : random.float() * 2)),
      );
      const got = assign(cost, cols, 1.5);
      const want = bruteForce(cost, cols, 1.5);
      assert.equal(new Set(got.map((p) => p.col)).size, got.length, 'columns used once');
      assert.equal(got.length, want.pairs, `case ${k}: ${JSON.stringify(cost)}`);
      const total = got.reduce((s, p) => s + p.cost, 0);
      assert.ok(Math.abs(total - want.total) < 1e-9, `case ${k}: total ${total}, optimum ${want.total}`);
    }
  });

  test('sparse matrices (rows and columns with one partner are paired without the solver) stay optimal, up to 40 columns', () => {
    const random = new Random(77);
    let unconflicted = 0;
    for (let k = 0; k < 300; k++) {
      const rows = random.int(1, 4),
        cols = random.int(1, k % 3 === 0 ? 40 : 6);
      const cost = Array.from({ length: rows }, () =>
        Array.from({ length: cols }, () => (random.float() < (cols > 6 ? 0.97 : 0.75) ? Infinity : random.float() * 2)),
      );
      const partners = (c: number[]) => c.filter((v) => v <= 1.5).length;
      const columns = Array.from({ length: cols }, (_, j) => partners(cost.map((row) => row[j] as number)));
      if (cost.every((row) => partners(row) <= 1) && columns.every((n) => n <= 1)) unconflicted++;
      const got = assign(cost, cols, 1.5);
      const want = bruteForce(cost, cols, 1.5);
      assert.equal(new Set(got.map((p) => p.col)).size, got.length, 'columns used once');
      assert.equal(got.length, want.pairs, `case ${k}: ${JSON.stringify(cost)}`);
      assert.ok(Math.abs(got.reduce((s, p) => s + p.cost, 0) - want.total) < 1e-9, `case ${k}`);
      assert.deepEqual(
        got.map((p) => p.row),
        [...got.map((p) => p.row)].sort((a, b) => a - b),
        'row order',
      );
    }
    assert.ok(unconflicted > 100 && unconflicted < 300, `${unconflicted} of 300 without conflicts: both paths exercised`);
  });
});

describe('association cost', () => {
  const gate = { centroidGate: 2, maxAreaRatio: 4 };

  test('is 0 for the same box, grows with distance, and is infinite past the gate or the area ratio', () => {
    const p = box(100, 100, 20, 40);
    assert.equal(associationCost(p, p, gate), 0);
    const near = associationCost(p, box(104, 100, 20, 40), gate);
    const far = associationCost(p, box(140, 100, 20, 40), gate);
    assert.ok(near > 0 && near < far && far < 2, `${near} ${far}`);
    // 40 is the longer side: 2 sides = 80 px.
    assert.equal(associationCost(p, box(100 + 81, 100, 20, 40), gate), Infinity);
    assert.ok(Number.isFinite(associationCost(p, box(100 + 79, 100, 20, 40), gate)));
    assert.equal(associationCost(p, box(100, 100, 41, 81), gate), Infinity);
  });
});

describe('box cover', () => {
  test("the cover by every other object equals coveredFraction over the others' boxes", () => {
    const random = new Random(7);
    for (let round = 0; round < 50; round++) {
      const objects = Array.from({ length: 6 }, () => ({
        box: { x: random.int(0, 80), y: random.int(0, 80), width: random.int(0, 40), height: random.int(1, 40) },
      }));
      for (let skip = 0; skip < objects.length; skip++) {
        const box = (objects[skip] as { box: Rect }).box;
        const others = objects.filter((_, i) => i !== skip).map((o) => o.box);
        assert.equal(coveredByOthers(box, objects, skip), coveredFraction(box, others));
      }
    }
    const a = { x: 0, y: 0, width: 10, height: 10 };
    assert.equal(coveredByOthers(a, [{ box: a }, { box: { x: 5, y: 0, width: 10, height: 10 } }], 0), 0.5);
    assert.equal(coveredByOthers(a, [{ box: a }, { box: a }, { box: a }], 0), 1, 'capped at 1');
  });
});
