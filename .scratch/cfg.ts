import { parseConfig } from '../src/config/load.ts';
const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97+i)}: &${String.fromCharCode(97+i)} [${Array(10).fill('*'+String.fromCharCode(96+i)).join(',')}]`);
for (const text of [bomb.join('\n'), 'http:\n  port: .nan\n', 'http:\n  port: .inf\n', 'inference:\n  pool:\n    maxShare: -.inf\n', 'cameras:\n - id: a\n   channel: 1\n   streams: {primary: lavfi:x}\n   ai: {fps: .nan}\n']) {
  try { parseConfig(text); console.log('ok'); } catch (e) { console.log((e as Error).constructor.name, (e as Error).message.slice(0, 300)); }
}
