/** One partition of one topic. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/**
 * The key of a partition in maps and sets: `topic:partition`. Topic names may contain `:` (not in
 * Kafka itself, but in some managed services), so parsing splits at the last one.
 */
export function tpKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** {@link tpKey} of a partition-shaped value (a range, a stream, a response entry). */
export function tpKeyOf(tp: TopicPartition): string {
  return `${tp.topic}:${tp.partition}`;
}

/** The topic and partition of a {@link tpKey}. */
export function parseTpKey(key: string): [topic: string, partition: number] {
  const i = key.lastIndexOf(":");
  return [key.slice(0, i), Number(key.slice(i + 1))];
}
