import type { Scenario } from "../harness/config/scenarioSchema.ts";
import { crashRecovery } from "./crash-recovery.ts";

/** Every scenario by name. The engine looks scenarios up here and never imports one by name. */
export const scenarios: Record<string, Scenario> = {
  [crashRecovery.name]: crashRecovery,
};
