// Preloaded (node -r) into every process the benchmark measures: reports the process's peak RSS on exit.
import * as fs from "fs";

process.on("exit", () => {
  fs.writeSync(2, `\nbench-max-rss-kb=${process.resourceUsage().maxRSS}\n`);
});
