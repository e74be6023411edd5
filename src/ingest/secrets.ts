/**
 * `${VAR}` references in camera URLs, resolved from the environment at the moment ffmpeg starts, so
 * credentials live in the environment (or a secrets manager feeding it), never in the config file.
 * Only the resolved URL handed to ffmpeg holds them; everything shown uses the unresolved or masked form.
 */
import { MissingSecretError } from '../errors.ts';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function referencedVariables(url: string): string[] {
  return [...url.matchAll(REFERENCE)].map((m) => m[1] as string);
}

/**
 * Substitutes every reference; values are URL-encoded so a password with '@' or ':' stays one field.
 * A `lavfi:` source is a filter graph, not a URL: its references (file paths of the demo's scenes) are
 * substituted as they are.
 */
export function resolveSecrets(url: string, camera: string, env: NodeJS.ProcessEnv = process.env): string {
  const encode = !url.startsWith('lavfi:');
  return url.replace(REFERENCE, (_, name: string) => {
    const value = env[name];
    if (value === undefined) throw new MissingSecretError(name, camera);
    return encode ? encodeURIComponent(value) : value;
  });
}
