/**
 * The one formatter of config problems: every zod issue becomes a line `path: message`, such as
 * `cameras[3].ai.fps: expected a number > 0`. Messages name what was expected and the kind of value
 * found, never the value itself (it may be a secret). Schemas that carry their own message keep it.
 */
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;
type PathSegment = PropertyKey;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `cameras[3].ai.fps`; keys that are not identifiers are quoted (`objects["*"]`); `(root)` for []. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out === '' ? '(root)' : out;
}

const NOUNS: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
  bigint: 'an integer',
  date: 'a date',
};

function noun(expected: string): string {
  return NOUNS[expected] ?? expected;
}

/** The kind of value found, without the value. */
function kindOf(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  // YAML spells these .nan, .inf and -.inf; zod's number refuses them as of the wrong type.
  if (typeof input === 'number' && !Number.isFinite(input)) return Number.isNaN(input) ? '.nan' : input > 0 ? '.inf' : '-.inf';
  if (typeof input === 'number') return Number.isInteger(input) ? 'an integer' : 'a number with a fraction';
  if (typeof input === 'object') return 'an object';
  return noun(typeof input);
}

function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

function bound(origin: string, limit: number | bigint, inclusive: boolean | undefined, side: 'min' | 'max'): string {
  const n = Number(limit);
  switch (origin) {
    case 'array':
    case 'set':
      return `expected ${side === 'min' ? 'at least' : 'at most'} ${n} item${n === 1 ? '' : 's'}`;
    case 'string':
      if (side === 'min' && n === 1) return 'expected a non-empty string';
      return `expected ${side === 'min' ? 'at least' : 'at most'} ${n} character${n === 1 ? '' : 's'}`;
    default: {
      const op = side === 'min' ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<';
      return `expected a number ${op} ${n}`;
    }
  }
}

/**
 * The error map handed to safeParse: zod uses it for issues whose schema has no message of its own.
 * Unions are left to `formatIssues`, which sees their branches.
 */
export function configErrorMap(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `missing: expected ${noun(issue.expected)}`;
      if (issue.expected === 'number' && typeof issue.input === 'number')
        return `expected a finite number, received ${kindOf(issue.input)}`;
      return `expected ${noun(issue.expected)}, received ${kindOf(issue.input)}`;
    case 'too_small':
      return bound(issue.origin, issue.minimum, issue.inclusive, 'min');
    case 'too_big':
      return bound(issue.origin, issue.maximum, issue.inclusive, 'max');
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern ? `expected a string matching ${issue.pattern}` : `expected a valid ${issue.format}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `expected ${quote(issue.values[0])}` : `expected one of ${issue.values.map(quote).join(', ')}`;
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return 'unknown key';
    case 'invalid_union': {
      // A discriminated union whose `type` matches no branch lists the known values.
      const options = (issue as { options?: unknown }).options;
      return Array.isArray(options) ? `expected one of ${options.map(quote).join(', ')}` : undefined;
    }
    default:
      return undefined;
  }
}

/** Module schemas write "Expected ..." and "A polygon ..."; lines read better all in one case. */
function lowerFirst(message: string): string {
  return /^[A-Z](?![A-Z])/.test(message) ? message[0]?.toLowerCase() + message.slice(1) : message;
}

/** "expected 'auto'" + "expected an integer, received a string" -> "expected 'auto' or an integer, received a string". */
function unionMessage(branches: readonly Issue[][]): string {
  const wants = branches.map((b) =>
    (b[0]?.message ?? '')
      .replace(/^missing: /, '')
      .replace(/, received .*$/, '')
      .replace(/^expected /, ''),
  );
  const received = branches
    .flat()
    .map((i) => /, received (.*)$/.exec(i.message)?.[1])
    .find((r) => r !== undefined);
  return `expected ${[...new Set(wants)].join(' or ')}${received ? `, received ${received}` : ''}`;
}

function linesOf(issue: Issue, prefix: readonly PathSegment[]): string[] {
  const path = [...prefix, ...issue.path];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => `${formatPath([...path, key])}: unknown key`);
    case 'invalid_union': {
      if (issue.errors.length === 0) return [`${formatPath(path)}: ${lowerFirst(issue.message)}`];
      // A branch whose problems lie deeper than the union matched its type: report those, not the union.
      const matched = issue.errors.find((branch) => branch.every((i) => i.path.length > 0));
      if (matched) return matched.flatMap((i) => linesOf(i, path));
      return [`${formatPath(path)}: ${unionMessage(issue.errors)}`];
    }
    case 'invalid_key':
    case 'invalid_element':
      return issue.issues.map((i) => `${formatPath(path)}: ${issue.code === 'invalid_key' ? 'invalid key: ' : ''}${lowerFirst(i.message)}`);
    default:
      return [`${formatPath(path)}: ${lowerFirst(issue.message)}`];
  }
}

/** One line a problem, in the order zod found them. */
export function formatIssues(issues: readonly Issue[]): string[] {
  return issues.flatMap((issue) => linesOf(issue, []));
}
