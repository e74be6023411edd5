/** An errno from the addon as an error shaped like Node's own (`code` the errno name, `errno`, `syscall`, `path`). */
import { getSystemErrorMap } from 'node:util';

export function systemError(errno: number, syscall: string, path: string): NodeJS.ErrnoException {
  // Node keys its table by libuv's negative error numbers.
  const [code, description] = getSystemErrorMap().get(-errno) ?? ['UNKNOWN', `unknown error ${errno}`];
  return Object.assign(new Error(`${code}: ${description}, ${syscall} '${path}'`), { code, errno: -errno, syscall, path });
}
