import * as pulumi from "@pulumi/pulumi";

/** How often an update looks for a connection its requester is still creating (about 15 minutes in all). */
const PENDING_ATTEMPTS = 20;

/** What `awaitConnection` needs to know of a private endpoint connection on the target resource. */
export interface TargetConnection {
  readonly name: string;
}

/**
 * The name of the private endpoint connection `matches` picks on a target resource, for its approval. A
 * requester outside the stack (Databricks for an NCC rule, Managed Grafana for a managed private endpoint)
 * creates its endpoint asynchronously, so an update reads the target's connections again (`read`) with a
 * growing pause until the connection appears; a preview never waits.
 */
export async function awaitConnection<C extends TargetConnection>(
  connections: readonly C[],
  read: () => Promise<readonly C[] | undefined>,
  matches: (connection: C) => boolean,
  what: string,
): Promise<string> {
  let found = connections.find(matches)?.name;
  for (let attempt = 1; !found && !pulumi.runtime.isDryRun() && attempt <= PENDING_ATTEMPTS; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(60, 5 * attempt) * 1000));
    found = (await read())?.find(matches)?.name;
  }
  if (!found) {
    throw new Error(
      `${what}: no private endpoint connection after about 15 minutes; run the update again once it exists`,
    );
  }
  return found;
}
