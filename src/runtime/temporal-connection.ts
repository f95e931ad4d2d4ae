import { loadClientConnectConfig } from '@temporalio/envconfig';

/**
 * Connection settings by the Temporal environment-configuration conventions:
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE and the
 * TOML config file. Defaults to localhost:7233 / default.
 */
export function temporalConnectConfig(): {
  address: string;
  namespace: string;
  options: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
} {
  const { connectionOptions, namespace } = loadClientConnectConfig();
  return {
    address: connectionOptions.address ?? 'localhost:7233',
    namespace: namespace ?? 'default',
    options: { ...connectionOptions, address: connectionOptions.address ?? 'localhost:7233' },
  };
}
