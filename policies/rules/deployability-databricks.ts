import { Policies } from "@pulumi/policy";

// Deployability: Databricks constraints (issue 14): what the workspace or Unity Catalog refuses or runs wrongly, each rule citing the Databricks docs or the provider's docs.
// Mandatory everywhere: a violation here means `pulumi up` (or the first run) would fail.
export const databricksDeployabilityPolicies: Policies = [];
