/**
 * Checks a value against the subset of JSON Schema that libs/contracts/src/schemas.ts uses; returns
 * the violations (empty when it conforms). Enough to hold real events to their documented schemas.
 */
export const violations = (schema: Record<string, any>, value: unknown, path = '$'): string[] => {
  const out: string[] = [];
  if (value === null && schema.nullable) return out;
  const is = (type: string): boolean =>
    type === 'integer'
      ? Number.isSafeInteger(value)
      : type === 'array'
        ? Array.isArray(value)
        : type === 'object'
          ? typeof value === 'object' && value !== null && !Array.isArray(value)
          : typeof value === type;
  if (schema.type && !is(schema.type)) return [`${path}: not ${schema.type}: ${JSON.stringify(value)}`];
  if (schema.const !== undefined && value !== schema.const) out.push(`${path}: not ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) out.push(`${path}: not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) out.push(`${path}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) out.push(`${path}: above ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) out.push(`${path}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) out.push(`${path}: longer than ${schema.maxLength}`);
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) out.push(`${path}: does not match ${schema.pattern}`);
    if (schema.format === 'uuid' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) out.push(`${path}: not a uuid`);
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) out.push(`${path}: not a date-time`);
  }
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => out.push(...violations(schema.items, item, `${path}[${i}]`)));
  if (schema.type === 'object') {
    const object = value as Record<string, unknown>;
    for (const name of schema.required ?? []) if (!(name in object)) out.push(`${path}.${name}: missing`);
    for (const [name, item] of Object.entries(object)) {
      const property = schema.properties?.[name];
      if (property) out.push(...violations(property, item, `${path}.${name}`));
      else if (schema.additionalProperties === false) out.push(`${path}.${name}: not allowed`);
      else if (typeof schema.additionalProperties === 'object') out.push(...violations(schema.additionalProperties, item, `${path}.${name}`));
    }
  }
  return out;
};
