/** The cluster's server config: the release's file with only our databases, ports and paths rewritten. */
import { parse } from 'yaml';
import {
  freeClusterPorts,
  portsFrom,
  renderDynamicConfig,
  renderServerConfig,
} from '../../tools/cluster/server-config';
import { clusterDatabases } from '../../tools/cluster/temporal-schema';

// The shape of the module's config/development-postgres12.yaml (v1.29.1), trimmed.
const SHIPPED = `
log: { stdout: true, level: info }
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:
      sql: { pluginName: postgres12, databaseName: temporal, connectAddr: "127.0.0.1:5432", user: temporal, password: temporal, maxConns: 20 }
    postgres-visibility:
      sql: { pluginName: postgres12, databaseName: temporal_visibility, connectAddr: "127.0.0.1:5432", user: temporal, password: temporal, maxConns: 2 }
global:
  membership: { maxJoinDuration: 30s, broadcastAddress: "127.0.0.1" }
  pprof: { port: 7936 }
  metrics: { prometheus: { framework: tally, timerType: histogram, listenAddress: "127.0.0.1:8000" } }
services:
  frontend: { rpc: { grpcPort: 7233, membershipPort: 6933, bindOnLocalHost: true, httpPort: 7243 } }
  matching: { rpc: { grpcPort: 7235, membershipPort: 6935, bindOnLocalHost: true } }
  history: { rpc: { grpcPort: 7234, membershipPort: 6934, bindOnLocalHost: true } }
  worker: { rpc: { grpcPort: 7239, membershipPort: 6939, bindOnLocalHost: true } }
clusterMetadata:
  masterClusterName: active
  currentClusterName: active
  clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: frontend, rpcAddress: "localhost:7233" } }
archival: { history: { state: enabled } }
dynamicConfigClient: { filepath: config/dynamicconfig/development-sql.yaml, pollInterval: 10s }
`;

test('the shipped ports are offsets of one base: 7233 keeps them, another base moves them all', () => {
  expect(portsFrom(7233)).toMatchObject({ frontend: 7233, history: 7234, matching: 7235, worker: 7239, metrics: 8000 });
  expect(portsFrom(17233)).toMatchObject({ frontendHttp: 17243, frontendMembership: 16933, workerMembership: 16939 });
});

test('our databases, ports and dynamic config path; the shards, plugin and pool sizes stay as shipped', () => {
  const databases = clusterDatabases('postgres://app:s%40cret@db.local:6543/postgres', 'temporal_x');
  expect(databases).toEqual({
    host: 'db.local',
    port: 6543,
    user: 'app',
    password: 's@cret',
    main: 'temporal_x',
    visibility: 'temporal_x_visibility',
  });
  const ports = portsFrom(17233);
  const doc = parse(renderServerConfig({ shipped: SHIPPED, databases, ports, dynamicConfigFile: '/run/dc.yaml' }));
  expect(doc.persistence.numHistoryShards).toBe(4);
  expect(doc.persistence.datastores['postgres-default'].sql).toEqual({
    pluginName: 'postgres12',
    databaseName: 'temporal_x',
    connectAddr: 'db.local:6543',
    user: 'app',
    password: 's@cret',
    maxConns: 20,
  });
  expect(doc.persistence.datastores['postgres-visibility'].sql.databaseName).toBe('temporal_x_visibility');
  expect(doc.services.frontend.rpc).toEqual({
    grpcPort: 17233,
    membershipPort: 16933,
    bindOnLocalHost: true,
    httpPort: 17243,
  });
  expect(doc.services.history.rpc.grpcPort).toBe(17234);
  expect(doc.clusterMetadata.clusterInformation.active.rpcAddress).toBe('127.0.0.1:17233');
  expect(doc.global.metrics.prometheus.listenAddress).toBe('127.0.0.1:18000');
  expect(doc.global.pprof).toBeUndefined();
  expect(doc.archival.history.state).toBe('disabled');
  expect(doc.dynamicConfigClient.filepath).toBe('/run/dc.yaml');
});

test('a config whose store is not postgres12 is refused, not silently rewritten', () => {
  const mysql = SHIPPED.replace(
    'pluginName: postgres12, databaseName: temporal,',
    'pluginName: mysql8, databaseName: temporal,',
  );
  expect(() =>
    renderServerConfig({
      shipped: mysql,
      databases: clusterDatabases('postgres://postgres@127.0.0.1:5432/postgres', 't'),
      ports: portsFrom(7233),
      dynamicConfigFile: '/x',
    }),
  ).toThrow('postgres-default: expected the postgres12 plugin, got mysql8');
});

test('the dynamic config keeps the shipped keys, points Nexus callbacks at our frontend and hands tasks on at once', () => {
  const doc = parse(renderDynamicConfig('limit.maxIDLength:\n  - value: 255\n', portsFrom(17233)));
  expect(doc['limit.maxIDLength']).toEqual([{ value: 255 }]);
  expect(doc['history.transferProcessorMaxPollRPS']).toEqual([{ value: 1000 }]);
  expect(doc['component.nexusoperations.callback.endpoint.template'][0].value).toBe(
    'http://127.0.0.1:17243/namespaces/{{.NamespaceName}}/nexus/callback',
  );
});

test('membership ports above 32767 are refused with the reason (the server stores them in a smallint)', () => {
  expect(() =>
    renderServerConfig({
      shipped: SHIPPED,
      databases: clusterDatabases('postgres://postgres@127.0.0.1:5432/postgres', 't'),
      ports: portsFrom(40_000),
      dynamicConfigFile: '/x',
    }),
  ).toThrow('frontendMembership port 39700: the server keeps it in a smallint, so it must be 1..32767');
});

test('free cluster ports are distinct and all below 32768', async () => {
  const ports = await freeClusterPorts(async (port) => port % 2 === 0);
  const values = Object.values(ports);
  expect(values).toHaveLength(10);
  expect(new Set(values).size).toBe(10);
  for (const port of values) expect(port % 2 === 0 && port >= 20_000 && port < 32_768).toBe(true);
});
