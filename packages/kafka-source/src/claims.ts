/**
 * Claims: how processes sharing a consumer group hand partitions over without losing or repeating a
 * row. A batch *claims* each partition's range by committing the range's end offset to the group,
 * with the batch's claim id in the commit metadata, from the member the group assigned the partition
 * to, in that generation (the coordinator refuses commits from a stale generation). A batch processes
 * exactly the ranges its claims landed for; the next owner of a partition starts at the committed
 * offset. A process that restarts with a batch planned but unfinished must learn whether its claims
 * landed, even if other processes have claimed the partition since: so each claim's metadata also
 * carries the *handoffs* — the claim ids that ended each previous owner's tenure, newest first.
 */

/** Commit metadata we write: `skp1;<claim id>;<handoff>,<handoff>,...` (well under Kafka's 4096-byte default limit). */
export interface ClaimMetadata {
  id: string;
  handoffs: string[];
}

export const MAX_HANDOFFS = 32;
const PREFIX = "skp1;";

export function newClaimId(): string {
  return crypto.randomUUID().replace(/-/g, "").slice(0, 16);
}

export function encodeClaim(m: ClaimMetadata): string {
  return `${PREFIX}${m.id};${m.handoffs.join(",")}`;
}

/** Undefined for metadata skp did not write (another consumer of the group, or none). */
export function decodeClaim(metadata: string | null | undefined): ClaimMetadata | undefined {
  if (!metadata?.startsWith(PREFIX)) return undefined;
  const [id, handoffs = ""] = metadata.slice(PREFIX.length).split(";");
  if (!id) return undefined;
  return { id, handoffs: handoffs ? handoffs.split(",") : [] };
}

/**
 * The metadata for a new claim `id` on a partition whose committed metadata is `current`. Unless the
 * claim continues this member's own tenure (it made the current claim, and no rebalance since), the
 * current claim is recorded as a handoff: it ended someone's tenure — possibly this process's own
 * before a restart, or a tenure that was handed back — and a process resolving a claim made around
 * then looks for it.
 */
export function nextClaim(id: string, current: ClaimMetadata | undefined, continuing: boolean): ClaimMetadata {
  const handoffs = current?.handoffs ?? [];
  if (!current || continuing) return { id, handoffs };
  return { id, handoffs: [current.id, ...handoffs].slice(0, MAX_HANDOFFS) };
}

export type ClaimState = "landed" | "not landed" | "unknown";

/**
 * Did claim `id` land, given the partition's committed metadata now? `prior` is the claim id the
 * partition carried when the claim was planned (null if none of ours). If ours landed, it is the
 * current claim or, once another process took over, one of the handoffs; if it did not, `prior` is.
 */
export function claimState(id: string, prior: string | null, now: ClaimMetadata | undefined): ClaimState {
  if (now && (now.id === id || now.handoffs.includes(id))) return "landed";
  if (prior === null) return now === undefined || now.handoffs.length < MAX_HANDOFFS ? "not landed" : "unknown";
  if (now && (now.id === prior || now.handoffs.includes(prior))) return "not landed";
  return "unknown";
}
