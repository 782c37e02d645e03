// The whole system's configuration, typed in one place, with defaults a first-time user can deploy.
export interface SystemConfig {
  /** Prefix of every resource name; one deployment per prefix and region. */
  name: string;
  region: string;
  tags: Record<string, string>;
}

export const defaultConfig: SystemConfig = {
  name: "ecp",
  region: "us-east-1",
  tags: { project: "elasticache-patterns", managedBy: "cdktf" },
};

/** Reads overrides from the environment (the only inputs `make plan` takes), on top of the defaults. */
export function configFromEnvironment(env: NodeJS.ProcessEnv = process.env): SystemConfig {
  return {
    ...defaultConfig,
    name: env.ECP_NAME ?? defaultConfig.name,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? defaultConfig.region,
  };
}
