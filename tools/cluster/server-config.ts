/**
 * The cluster's server configuration: the module's own `development-postgres12.yaml` (4 history
 * shards, SQL visibility), with only what must differ here rewritten — the databases (ours, on the
 * PostgreSQL we were given), the ports (so a cluster can run beside `npm start` and in tests), the
 * metrics address — and a dynamic config file of the module's `development-sql.yaml` plus our keys.
 * Pure functions of their inputs: tested without a server.
 */
import { parse, stringify } from 'yaml';
import { DISPATCH_LATENCY_CONFIG } from '../dev-stack/temporal-server';

export interface ClusterDatabases {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Temporal's own store and its visibility store: two databases on that server. */
  main: string;
  visibility: string;
}

export interface ClusterPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  /** Ringpop membership, one per service. */
  frontendMembership: number;
  historyMembership: number;
  matchingMembership: number;
  workerMembership: number;
  /** The server's own Prometheus endpoint. */
  metrics: number;
}

/** The shipped file's ports, as offsets from the frontend's 7233: one base moves them all. */
export function portsFrom(frontend: number): ClusterPorts {
  const at = (shipped: number) => frontend + shipped - 7233;
  return {
    frontend,
    frontendHttp: at(7243),
    history: at(7234),
    matching: at(7235),
    worker: at(7239),
    frontendMembership: at(6933),
    historyMembership: at(6934),
    matchingMembership: at(6935),
    workerMembership: at(6939),
    metrics: at(8000),
  };
}

export interface ServerConfigInput {
  /** The module's development-postgres12.yaml, as text. */
  shipped: string;
  databases: ClusterDatabases;
  ports: ClusterPorts;
  /** Absolute path of the dynamic config file (dynamicConfig below). */
  dynamicConfigFile: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/**
 * The server stores each host's membership port in a PostgreSQL smallint (cluster_membership.rpc_port):
 * a port above 32767 makes it exit at start with "value out of range for type smallint". Linux hands
 * out ephemeral ports from 32768 up, so "any free port" does not do for these.
 */
export const MAX_MEMBERSHIP_PORT = 32767;

const MEMBERSHIP_KEYS = ['frontendMembership', 'historyMembership', 'matchingMembership', 'workerMembership'] as const;

export function checkPorts(ports: ClusterPorts): void {
  for (const key of MEMBERSHIP_KEYS)
    if (ports[key] > MAX_MEMBERSHIP_PORT || ports[key] < 1)
      throw new Error(
        `${key} port ${ports[key]}: the server keeps it in a smallint, so it must be 1..${MAX_MEMBERSHIP_PORT} (lower TEMPORAL_PORT)`,
      );
}

/** Free ports for every role, all below 32768 (tests: a cluster beside anything else running). */
export async function freeClusterPorts(isFree: (port: number) => Promise<boolean>): Promise<ClusterPorts> {
  const taken = new Set<number>();
  const pick = async () => {
    for (;;) {
      const port = 20_000 + Math.floor(Math.random() * 12_000);
      if (!taken.has(port) && (await isFree(port))) {
        taken.add(port);
        return port;
      }
    }
  };
  const keys = ['frontend', 'frontendHttp', 'history', 'matching', 'worker', 'metrics', ...MEMBERSHIP_KEYS] as const;
  const ports: Partial<ClusterPorts> = {};
  for (const key of keys) ports[key] = await pick();
  return ports as ClusterPorts;
}

type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a parsed YAML document

export function renderServerConfig(input: ServerConfigInput): string {
  const { databases: db, ports } = input;
  checkPorts(ports);
  const doc = parse(input.shipped) as Yaml;
  doc.log = { ...doc.log, level: input.logLevel ?? 'warn' };
  const stores = doc.persistence.datastores as Yaml;
  for (const [store, database] of [
    [doc.persistence.defaultStore as string, db.main],
    [doc.persistence.visibilityStore as string, db.visibility],
  ] as const) {
    const sql = stores[store].sql as Yaml;
    if (sql.pluginName !== 'postgres12')
      throw new Error(`${store}: expected the postgres12 plugin, got ${sql.pluginName}`);
    Object.assign(sql, {
      databaseName: database,
      connectAddr: `${db.host}:${db.port}`,
      user: db.user,
      password: db.password,
    });
  }
  doc.global.metrics.prometheus.listenAddress = `127.0.0.1:${ports.metrics}`;
  delete doc.global.pprof; // no profiling endpoint on a shared machine
  const services = doc.services as Yaml;
  const rpc = (name: string, grpcPort: number, membershipPort: number, extra: Yaml = {}) =>
    Object.assign(services[name].rpc as Yaml, { grpcPort, membershipPort, bindOnLocalHost: true, ...extra });
  rpc('frontend', ports.frontend, ports.frontendMembership, { httpPort: ports.frontendHttp });
  rpc('history', ports.history, ports.historyMembership);
  rpc('matching', ports.matching, ports.matchingMembership);
  rpc('worker', ports.worker, ports.workerMembership);
  const cluster = doc.clusterMetadata as Yaml;
  cluster.clusterInformation[cluster.currentClusterName].rpcAddress = `127.0.0.1:${ports.frontend}`;
  // Archival to the local filesystem is a development feature we do not use.
  doc.archival = { history: { state: 'disabled' }, visibility: { state: 'disabled' } };
  doc.namespaceDefaults = { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } };
  doc.dynamicConfigClient = { filepath: input.dynamicConfigFile, pollInterval: '10s' };
  return stringify(doc);
}

/**
 * The module's development-sql.yaml with the Nexus callback pointed at our frontend. Everything
 * else is the server's default: this is the topology users deploy, not the dev server's tuning.
 */
export function renderDynamicConfig(shipped: string, ports: ClusterPorts): string {
  const doc = (parse(shipped) ?? {}) as Yaml;
  doc['component.nexusoperations.callback.endpoint.template'] = [
    { value: `http://127.0.0.1:${ports.frontendHttp}/namespaces/{{.NamespaceName}}/nexus/callback` },
  ];
  // Tasks reach matching as soon as they are written, as on the dev server (tools/dev-stack/temporal-server.ts).
  for (const [key, value] of Object.entries(DISPATCH_LATENCY_CONFIG)) doc[key] = [{ value }];
  return stringify(doc);
}
