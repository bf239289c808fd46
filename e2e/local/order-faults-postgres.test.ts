import { postgresLedger } from '../../test-support/order-ledger';
import { startPostgresCluster, type PostgresCluster } from '../../test-support/postgres-cluster';
import { orderFaultSuite } from '../support/order-fault-suite';
import { localFaultMesh } from './support/fault-mesh';

/**
 * The same fault suite with every service on PostgreSQL: a throw-away cluster started here (its
 * own data folder, a loopback address of its own), whose server certificate comes from the mesh
 * CA and which admits each service only by its mesh certificate (`hostssl ... cert`), the
 * services connecting with `verify-full`. Every service of the manifest gets a database of its
 * own, whether it keeps state or not.
 */
let cluster: PostgresCluster | undefined;
orderFaultSuite(
  localFaultMesh('127.0.16', {
    name: 'PostgreSQL',
    setUp: async (work, certsDir, manifest) => {
      cluster = await startPostgresCluster(work, certsDir, '127.0.17.1', 55432, [...manifest.services.keys()]);
      return { env: { DATABASE_URL: cluster.url }, ledger: postgresLedger((database) => cluster!.superuser(database)) };
    },
    tearDown: () => cluster?.stop(),
  }),
);
