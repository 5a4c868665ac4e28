import { Policies } from "@pulumi/policy";

// Deployability: Reachability constraints (issue 16): a private path exists for every party that must get in.
// Mandatory everywhere: a violation here means `pulumi up` (or the first run) would fail.
export const networkDeployabilityPolicies: Policies = [];
