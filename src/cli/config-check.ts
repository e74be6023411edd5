/**
 * `panoptes config check FILE`: validates a site config the way the gateway loads it (same environment
 * for `${VAR}` secrets and PANOPTES_* overrides) and prints a one-line summary or every problem.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { directoryProblem, directorySettings } from '../config/directories.ts';
import { CONFIG_SCHEMA_FILE, configJsonSchemaText } from '../config/json-schema.ts';
import type { SiteConfig } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import { loadConfig } from '../config/load.ts';
import { referencedVariables } from '../ingest/secrets.ts';

export const CONFIG_HELP = `  config check FILE
           Validate a site config (YAML): prints "ok: N cameras (M enabled)", or every problem as
           path: message and exits 1
  config schema
           Rewrite config/panoptes.schema.json (the JSON Schema for editors) from the zod schema`;

/**
 * Stream URLs keep their `${VAR}` references until the camera starts (so the config never holds the
 * credentials); a variable missing here is worth a warning, not a failure: the gateway may run with
 * another environment.
 */
function unsetUrlVariables(config: SiteConfig, env: NodeJS.ProcessEnv): string[] {
  const users = new Map<string, Set<string>>();
  for (const camera of config.cameras) {
    for (const url of Object.values(camera.streams)) {
      for (const name of referencedVariables(url ?? '')) {
        if (env[name] === undefined) users.set(name, (users.get(name) ?? new Set()).add(camera.id));
      }
    }
  }
  return [...users].map(
    ([name, ids]) => `warning: \${${name}} is not set here; the stream URLs of ${[...ids].join(', ')} read it when the camera starts`,
  );
}

/**
 * Directories are created when the gateway starts, possibly as another user on another machine, so a
 * directory that could not be made here is a warning; `start` refuses it with E_DIRECTORY_UNUSABLE.
 */
function directoryWarnings(config: SiteConfig): string[] {
  return directorySettings(config).flatMap(({ setting, dir }) => {
    const problem = directoryProblem(dir);
    return problem === null ? [] : [`warning: ${setting}: ${dir} could not be created here (${problem}); start refuses it unless it can`];
  });
}

/** Exit code: 0 valid, 1 invalid or a usage error. */
export async function runConfigCommand(args: readonly string[]): Promise<number> {
  const [sub, file, ...rest] = args;
  if (sub === 'schema' && file === undefined) {
    writeFileSync(CONFIG_SCHEMA_FILE, configJsonSchemaText());
    console.log(`wrote ${fileURLToPath(CONFIG_SCHEMA_FILE)}`);
    return 0;
  }
  if (sub !== 'check' || file === undefined || rest.length > 0) {
    console.error(`Usage: panoptes config check FILE | panoptes config schema`);
    return 1;
  }
  try {
    const config = await loadConfig(file);
    for (const warning of unsetUrlVariables(config, process.env)) console.error(warning);
    for (const warning of directoryWarnings(config)) console.error(warning);
    const enabled = config.cameras.filter((c) => c.enabled).length;
    console.log(`ok: ${config.cameras.length} cameras (${enabled} enabled)`);
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return 1;
  }
}
