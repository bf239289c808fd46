import { postgresLedger } from '../../test-support/order-ledger';
import { startPostgresCluster, type PostgresCluster } from '../../test-support/postgres-cluster';
import { orderFaultSuite } from '../support/order-fault-suite';

/**
 * The same fault suite with every service on PostgreSQL: a throw-away cluster started here (its
 * own data folder, a loopback address of its own), whose server certificate comes from the mesh
 * CA and which admits each service only by its mesh certificate (`hostssl ... cert`), the
 * services connecting with `verify-full`.
 */
let cluster: PostgresCluster | undefined;
orderFaultSuite('127.0.16', {
  name: 'PostgreSQL',
  setUp: async (work, certsDir) => {
    cluster = await startPostgresCluster(work, certsDir, '127.0.17.1', 55432, ['orders', 'inventory', 'payments']);
    return { env: { DATABASE_URL: cluster.url }, ledger: postgresLedger((database) => cluster!.superuser(database)) };
  },
  tearDown: () => cluster?.stop(),
});
