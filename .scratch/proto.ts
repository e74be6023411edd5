import { parseCamera } from '../src/config/load.ts';
import { z } from 'zod';
const body = JSON.parse('{"id":"a","channel":1,"streams":{"primary":"lavfi:testsrc"},"__proto__":{"x":1}}');
console.log(Object.keys(body));
try { const c = parseCamera(body, {} as never); console.log('accepted', Object.keys(c).includes('__proto__')); } catch (e) { console.log('err', (e as Error).message); }
console.log(z.strictObject({a: z.number()}).safeParse(JSON.parse('{"a":1,"__proto__":{}}')).success);
const b2 = JSON.parse('{"id":"a","channel":1,"streams":{"primary":"lavfi:testsrc","__proto__":{"x":1}},"ai":{"__proto__":null}}');
try { const c = parseCamera(b2, {} as never); console.log('accepted2'); } catch (e) { console.log('err', (e as Error).message); }
const b3 = JSON.parse('{"id":"a","channel":1,"streams":{"primary":"lavfi:testsrc"},"__proto__":{}}');
try { parseCamera({...b3, id: 'a'}, {} as never); console.log('accepted3'); } catch (e) { console.log('err', (e as Error).message); }
import { parseConfig } from '../src/config/load.ts';
try { parseConfig('__proto__: {}\ncameras: []\n'); console.log('accepted yaml'); } catch (e) { console.log('err', (e as Error).message); }
