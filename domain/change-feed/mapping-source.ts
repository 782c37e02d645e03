// The mappings hash as the listener reads it: bounded in bytes before anything is read (anyone who can
// write to Redis can write to it), each entry parsed on its own (a bad one is refused with its reason,
// never fatal), and what changed between two reads, so a reload logs a diff rather than the whole hash.
import type { Cluster, Redis } from "ioredis";
import { errorMessage } from "../runtime/errors.js";
import { MappingError, mappingJson, maxMappings, parseMapping, type CompiledMapping, type MappingOptions } from "./mappings.js";

/** The mappings hash may take at most this much memory (100 mappings of a few hundred bytes each fit many times over). */
export const maxMappingsBytes = 256 * 1024;

export interface MappingsRead {
  mappings: CompiledMapping[];
  /** Hash field -> why its entry is refused. */
  refused: Map<string, string>;
}

function jsonOf(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MappingError(`mapping "${name}": not JSON (${errorMessage(error)})`);
  }
}

/** Reads and parses the hash; throws MappingError when it is too large to read (the mappings in use then stay). */
export async function readMappingsHash(client: Redis | Cluster, key: string, options: MappingOptions): Promise<MappingsRead> {
  const bytes = Number((await client.call("MEMORY", "USAGE", key)) ?? 0);
  if (bytes > maxMappingsBytes) {
    throw new MappingError(`the mappings hash ${key} takes ${bytes} bytes, over the limit of ${maxMappingsBytes}: not reloaded, the mappings in use stay`);
  }
  const mappings: CompiledMapping[] = [];
  const refused = new Map<string, string>();
  for (const [name, text] of Object.entries(await client.hgetall(key))) {
    try {
      if (mappings.length >= maxMappings) throw new MappingError(`mapping "${name}": more than ${maxMappings} mappings; this one is ignored`);
      const mapping = parseMapping(jsonOf(text, name), `mapping "${name}"`, options);
      if (mapping.name !== name) throw new MappingError(`mapping "${name}": field "name" is "${mapping.name}", not the hash field's name`);
      mappings.push(mapping);
    } catch (error) {
      refused.set(name, errorMessage(error));
    }
  }
  return { mappings, refused };
}

/** How a mapping reads in a log line. */
export const describeMapping = (m: CompiledMapping) => `${m.name}: ${m.pattern} -> ${m.lambda ?? "dynamodb"}:${m.table}`;

/** Names added, removed and changed (any field) from `before` to `after`. */
export function mappingChanges(
  before: CompiledMapping[],
  after: CompiledMapping[],
): { added: CompiledMapping[]; removed: string[]; changed: CompiledMapping[] } {
  const old = new Map(before.map((m) => [m.name, m]));
  const same = (a: CompiledMapping, b: CompiledMapping) => mappingJson(a) === mappingJson(b);
  return {
    added: after.filter((m) => !old.has(m.name)),
    removed: before.filter((m) => !after.some((n) => n.name === m.name)).map((m) => m.name),
    changed: after.filter((m) => old.has(m.name) && !same(old.get(m.name)!, m)),
  };
}
