import { isWellFormedText, MAX_BODY_DEPTH } from '@agent-marketplace/contract';
import type { FieldIssue } from './errors.js';

/** A key as it may be shown back in an error path (a lone surrogate becomes U+FFFD). */
const shown = (key: string) => key.toWellFormed();

/**
 * Every string and key in a parsed JSON value is well-formed Unicode, and nesting stays within
 * `maxDepth`. Iterative, so a body nested 100,000 levels deep costs a loop, not the stack.
 * Returns the first problems found (at most `limit`), each at its path under `prefix`.
 */
export function inputShapeIssues(value: unknown, prefix: string, maxDepth = MAX_BODY_DEPTH, limit = 20): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const stack: { v: unknown; path: string[]; depth: number }[] = [{ v: value, path: [prefix], depth: 0 }];
  while (stack.length > 0 && issues.length < limit) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (!isWellFormedText(v)) issues.push({ path: path.join('.'), message: 'is not well-formed Unicode (a lone surrogate)', code: 'invalid_text' });
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth) {
      issues.push({ path: path.join('.'), message: `nests deeper than ${maxDepth} levels`, code: 'too_deep' });
      continue;
    }
    const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v as Record<string, unknown>);
    // Pushed in reverse, so problems come out in document order.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, x] = entries[i]!;
      if (!isWellFormedText(k)) {
        issues.push({ path: [...path, shown(k)].join('.'), message: 'is a key that is not well-formed Unicode', code: 'invalid_text' });
        continue;
      }
      stack.push({ v: x, path: [...path, k], depth: depth + 1 });
    }
  }
  return issues;
}
