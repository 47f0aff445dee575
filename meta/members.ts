/**
 * The meta group's address book in the replicated state: where each member added at run time
 * serves. Raft itself persists only member ids (its voter set, meta/raft); addresses of the
 * members a node was started with come from its --peers, which win over this book (the
 * launcher may start the same ids on new ports), and this book supplies the rest, so every
 * member, and a member restarted with its original --peers, can reach a member added later.
 */
import type { MetaPeer } from './config';

export interface MembersState {
  metaMembers?: MetaPeer[];
}

/** Records (or moves) member `id`; returns the book, sorted by id. */
export function setMetaMember(state: MembersState, id: number, address: string): MetaPeer[] {
  const book = (state.metaMembers ?? []).filter((m) => m.id !== id);
  book.push({ id, address });
  book.sort((a, b) => a.id - b.id);
  state.metaMembers = book;
  return book;
}

/** --peers first, then the book for ids --peers does not name. */
export function memberAddresses(
  configured: readonly MetaPeer[],
  book: readonly MetaPeer[],
): Map<number, string> {
  const out = new Map<number, string>();
  for (const m of book) out.set(m.id, m.address);
  for (const p of configured) out.set(p.id, p.address);
  return out;
}
