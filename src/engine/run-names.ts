/**
 * `taskRunName` and `flowRunName` templates: `"train on {dataset.name} with {config.name}"`, where a name is one of
 * the task function's parameters (or its position, `{0.name}`), followed by property names.
 *
 * @module
 * @internal
 */

/**
 * The names of a function's parameters, read from its source; `undefined` for a parameter that
 * has no simple name (a destructured or rest parameter).
 */
export function parameterNames(fn: (...args: never[]) => unknown): (string | undefined)[] {
  const source = Function.prototype.toString.call(fn);
  const arrowSingle = /^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(source);
  if (arrowSingle?.[1] !== undefined) return [arrowSingle[1]];
  const open = source.indexOf('(');
  if (open < 0) return [];
  const params: string[] = [];
  let depth = 0;
  let current = '';
  let quote: string | undefined;
  for (let i = open + 1; i < source.length; i++) {
    const c = source.charAt(i);
    if (quote !== undefined) {
      if (c === quote && source.charAt(i - 1) !== '\\') quote = undefined;
      current += c;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) {
        params.push(current);
        break;
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      params.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  return params
    .map((p) => p.trim())
    .filter((p, i, all) => p !== '' || i < all.length - 1)
    .map((p) => /^([A-Za-z_$][\w$]*)\s*(?:=|$)/.exec(p)?.[1]);
}

/**
 * Compiles a template into a function of the arguments. Throws a message (for the caller to wrap)
 * when a placeholder names no parameter.
 */
export function compileRunName(
  template: string,
  names: readonly (string | undefined)[],
  kind: 'task' | 'flow' = 'task',
): ((...args: unknown[]) => string) | string {
  const parts: (string | { readonly index: number; readonly path: readonly string[] })[] = [];
  const pattern = /\{([^{}]*)\}/g;
  let last = 0;
  for (let match = pattern.exec(template); match !== null; match = pattern.exec(template)) {
    parts.push(template.slice(last, match.index));
    const [head = '', ...path] = (match[1] ?? '').trim().split('.');
    const index = /^\d+$/.test(head) ? Number(head) : names.indexOf(head);
    if (index < 0 || head === '') {
      const known = names.filter((n) => n !== undefined).join(', ');
      return `names "{${match[1] ?? ''}}", which is not a parameter of the ${kind} function (parameters: ${known === '' ? 'none found' : known}; positions such as {0} work too)`;
    }
    parts.push({ index, path });
    last = match.index + match[0].length;
  }
  parts.push(template.slice(last));
  return (...args: unknown[]) => {
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      let value: unknown = args[part.index];
      for (const key of part.path) value = value === null || value === undefined ? undefined : (value as Record<string, unknown>)[key];
      out += String(value);
    }
    return out;
  };
}
