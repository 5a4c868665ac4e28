import * as pulumi from "@pulumi/pulumi";
import { accountStackName, AccountOutputs } from "../account/account";

/** The account stack's outputs, as an environment stack reads them. */
export type AccountReference = { readonly [K in keyof AccountOutputs]: pulumi.Output<AccountOutputs[K]> };

/**
 * Reads the account stack (`<organization>/lakehouse-account/<stack>`): the metastore, the network
 * connectivity configurations, the budget policies, the governed tags and the deployer pools the environment uses
 * and never owns.
 * A missing output fails the preview (`requireOutput`), so nothing falls back to a hand-copied id.
 */
export function readAccountStack(
  name: string,
  args: { organization: string; stack: string },
  opts: pulumi.CustomResourceOptions,
): AccountReference {
  const ref = new pulumi.StackReference(
    name,
    { name: accountStackName(args.organization, args.stack) },
    opts,
  );
  const output = <K extends keyof AccountOutputs>(key: K) =>
    ref.requireOutput(key) as pulumi.Output<AccountOutputs[K]>;
  return {
    accountId: output("accountId"),
    region: output("region"),
    metastoreId: output("metastoreId"),
    networkConnectivityConfigIds: output("networkConnectivityConfigIds"),
    budgetPolicyIds: output("budgetPolicyIds"),
    governedTags: output("governedTags"),
    deployerPools: output("deployerPools"),
  };
}

/** Outputs this stack exported on its previous update, that later steps of its first deploy build on. */
export interface PreviousOutputs {
  /** Principal of the workspace's DBFS root identity, once an update has granted it the DBFS root key. */
  readonly dbfsRootIdentity: pulumi.Output<string | undefined>;
}

/**
 * This stack's own outputs from its previous update (none on its first): how one program takes a step
 * Azure allows only after an earlier one completed, without a config change.
 */
export function readPreviousOutputs(name: string, opts: pulumi.CustomResourceOptions): PreviousOutputs {
  const self = new pulumi.StackReference(
    name,
    { name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}` },
    opts,
  );
  return {
    dbfsRootIdentity: self.getOutput("dbfsRootIdentity") as pulumi.Output<string | undefined>,
  };
}
