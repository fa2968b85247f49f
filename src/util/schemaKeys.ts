/** Walking zod schemas: the keys an object accepts at a path, for "unknown key (did you mean ...)". */
import type { z } from 'zod';

/** Keys an object schema accepts at a path, for "expected one of ..." on unknown keys (best effort through wrappers and unions). */
export function knownKeys(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  const out = new Set<string>();
  const visit = (s: z.core.$ZodType | undefined, rest: readonly (string | number)[]): void => {
    if (!s) return;
    const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        return visit(def.innerType as z.core.$ZodType, rest);
      case 'pipe':
        return visit(def.in as z.core.$ZodType, rest);
      case 'union':
        for (const option of def.options as z.core.$ZodType[]) visit(option, rest);
        return;
      case 'record':
        if (rest.length) visit(def.valueType as z.core.$ZodType, rest.slice(1));
        return;
      case 'array':
        if (rest.length) visit(def.element as z.core.$ZodType, rest.slice(1));
        return;
      case 'object': {
        const shape = def.shape as Record<string, z.core.$ZodType>;
        if (rest.length === 0) Object.keys(shape).forEach((k) => out.add(k));
        else visit(shape[String(rest[0])], rest.slice(1));
        return;
      }
      default:
        return;
    }
  };
  visit(schema as unknown as z.core.$ZodType, path);
  return [...out];
}
