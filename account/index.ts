// The Databricks account's own stack (one per region): what no environment stack may create or destroy.
import { DatabricksAccount, loadAccountConfig } from "../components/account/account";

const config = loadAccountConfig();
const account = new DatabricksAccount(`${config.prefix}-account`, { config });

export const {
  accountId,
  region,
  metastoreId,
  networkConnectivityConfigIds,
  budgetPolicyIds,
  governedTags,
  deployerPools,
} = account.outputs(config.accountId);
