/** How the memory shim finds the stream and group a command names, failing as Redis does; shared by the runtime and admin surfaces. */
import { StreamBackendError, type StreamEntry } from '../backend.js';
import type { ConsumerGroup } from './group.js';
import type { Keyspace } from './keyspace.js';
import type { MemoryStream } from './stream.js';

/** The NOGROUP error of XREADGROUP, XPENDING, XCLAIM... */
export function noGroup(stream: string, group: string): StreamBackendError {
  return new StreamBackendError('NOGROUP', `NOGROUP No such key '${stream}' or consumer group '${group}'`, stream);
}

/** A copy of an entry, as a reply hands it out (callers never share the stored fields). */
export function entryOut(e: { id: string; fields: readonly string[] }): StreamEntry {
  return { id: e.id, fields: e.fields.slice() };
}

/** The stream an XGROUP subcommand works on: an error when it does not exist. */
export function requireStream(keyspace: Keyspace, stream: string): MemoryStream {
  const s = keyspace.stream(stream);
  if (!s) throw new StreamBackendError('SERVER', 'ERR The XGROUP subcommand requires the key to exist', stream);
  return s;
}

/** A group of a stream: NOGROUP when it does not exist. */
export function requireGroup(stream: string, s: MemoryStream, group: string): ConsumerGroup {
  const g = s.groups.get(group);
  if (!g) throw noGroup(stream, group);
  return g;
}

/** The stream and group a group command works on: NOGROUP when either is missing, as XREADGROUP says. */
export function groupOf(keyspace: Keyspace, key: string, group: string): { key: string; stream: MemoryStream; group: ConsumerGroup } {
  const stream = keyspace.stream(key);
  const g = stream?.groups.get(group);
  if (!stream || !g) throw noGroup(key, group);
  return { key, stream, group: g };
}
