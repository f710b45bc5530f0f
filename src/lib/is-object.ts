/** @module The one plain-object guard: an object that is neither null nor an array (JSON/YAML input, parsed configs). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
