/**
 * The ring's clock is the tree's one clock (src/native/clock.ts): `epochMs()` returns it (16 B a read
 * in Node 20), `stampNow(target, i)` writes it into a Float64Array without allocating, which is how the
 * producer stamps every frame.
 */
export { epochMs, stampNow } from '../native/clock.ts';
